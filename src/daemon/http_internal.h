/*
 * http_internal.h - what an HTTP handler of footfalld needs, so that the
 * parts with endpoints of their own (live view, maintenance, TLS, ...) keep
 * their handlers in their own files while http.c keeps the one route table
 * that dispatch, roles and the OpenAPI check rely on.
 *
 * Every fd_reply_* takes over the body it is given and returns what
 * libmicrohttpd expects from the access handler.
 */
#ifndef FOOTFALLD_HTTP_INTERNAL_H
#define FOOTFALLD_HTTP_INTERNAL_H

#include <jansson.h>
#include <microhttpd.h>

#include "daemon.h"

#define FD_BODY_MAX (1u << 20)
#define COOKIE_NAME "ff_session"

typedef struct fd_req {
	fd_daemon *d;
	struct MHD_Connection *conn;
	const char *method;
	char *body;
	size_t len, cap;
	bool too_big;
	fd_role role;
	char username[FD_USERNAME_MAX + 1];
	const char *token;
	char param[FD_USERNAME_MAX + 1]; /* the {...} part of the path */
} fd_req;

typedef enum MHD_Result (*fd_handler)(fd_req *r);

/* body (malloc'ed) with the usual headers; cookie, when given, becomes a
 * Set-Cookie header, retry_after > 0 a Retry-After header. */
enum MHD_Result fd_reply_full(fd_req *r, unsigned status, const char *type, char *body, size_t len,
			      const char *cookie, int retry_after);
enum MHD_Result fd_reply_text(fd_req *r, unsigned status, const char *type, char *body, size_t len);
/* A JSON document (owned text) or a 500 when it is NULL. */
enum MHD_Result fd_reply_json(fd_req *r, unsigned status, char *text);
/* Takes the reference to obj (NULL: 500). */
enum MHD_Result fd_reply_obj(fd_req *r, unsigned status, json_t *obj);
/* {"error": "..."}; 5xx are logged. */
enum MHD_Result fd_reply_error(fd_req *r, unsigned status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The HTTP status of a library/daemon status code (400, 404, 409, 500). */
unsigned fd_http_status_of(ff_status st);
/* The request body as a JSON object; on failure replies 400 and returns
 * NULL with *sent set. */
json_t *fd_body_object(fd_req *r, enum MHD_Result *sent);
/* The string value of obj[key], NULL when missing or not a string. */
const char *fd_str_field(json_t *obj, const char *key);
/* A query-string argument, NULL when absent. */
const char *fd_query_arg(fd_req *r, const char *name);

/* A copy of the configuration, taken under its lock. */
void fd_current_config(fd_daemon *d, fd_config *out);
/* The configuration document of GET /api/v1/config in *text (malloc'ed);
 * when it cannot be made, *text is NULL and a 500 was sent (returned). */
enum MHD_Result fd_reply_config(fd_req *r, char **text);
/* Saves cfg and hands it to every part, logging who changed it; the caller
 * holds config_lock, so that the file always holds what memory holds. */
ff_status fd_commit_config(fd_daemon *d, const char *by, const fd_config *cfg, ff_error *err);

#endif
