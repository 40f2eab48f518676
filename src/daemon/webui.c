/*
 * webui.c - serves the web GUI and the endpoints only its pages need.
 *
 * The GUI (web/: HTML, CSS, ES modules, the string tables, and uPlot copied
 * from web/node_modules) is compiled into the program by embed_web.cmake,
 * so the device needs no files beside its binary and works offline. The
 * table is small (a few dozen files), so lookup is a linear scan. Files are
 * served straight from the read-only arrays without a copy, with
 * "Cache-Control: no-cache" (the browser revalidates, so a new build is
 * picked up at once) and a Content-Security-Policy that allows nothing but
 * this origin: no inline scripts, no CDN, no framing.
 *
 * The pages use hash routes (#/dashboard), so the only HTML path is "/";
 * every other unknown path is a 404 like the API's.
 */
#include <stdlib.h>
#include <string.h>

#include "webui.h"

static const struct {
	const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

static const fd_web_asset *find_asset(const char *url)
{
	if (!strcmp(url, "/"))
		url = "/index.html";
	for (size_t i = 0; i < fd_web_nassets; i++)
		if (!strcmp(fd_web_assets[i].path, url))
			return &fd_web_assets[i];
	return NULL;
}

enum MHD_Result fd_webui_serve(fd_req *r, const char *url)
{
	const fd_web_asset *a = find_asset(url);
	if (!a)
		return fd_reply_error(r, 404, "no such resource");
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return fd_reply_error(r, 405, "method %s not allowed here", r->method);
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type_of(a->path));
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data: blob:; "
				"style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
	enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result fd_webui_scene(fd_req *r)
{
	char *text;
	enum MHD_Result sent = fd_reply_config(r, &text);
	if (!text)
		return sent;
	json_t *doc = json_loads(text, 0, NULL);
	free(text);
	json_t *privacy = json_object_get(doc, "privacy");
	json_t *o = doc ? json_pack("{s:O*,s:O*}", "privacy", privacy, "rules",
				    json_object_get(doc, "rules"))
			: NULL;
	json_decref(doc);
	return fd_reply_obj(r, 200, o);
}

enum MHD_Result fd_webui_questions_put(fd_req *r)
{
	enum MHD_Result sent = MHD_NO;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	const char *pw, *q[FD_QUESTIONS], *a[FD_QUESTIONS];
	ff_error err = {0};
	int retry = 0;
	ff_status st = fd_parse_password_questions(b, &pw, q, a, &err);
	if (!st)
		st = fd_users_set_questions(r->d->users, pw, q, a, &retry, &err);
	json_decref(b);
	if (retry > 0) {
		char *text = strdup("{\"error\":\"too many failed attempts, try again later\"}");
		return text ? fd_reply_full(r, 429, "application/json", text, strlen(text), NULL,
					    retry)
			    : MHD_NO;
	}
	if (st)
		return fd_reply_error(r, fd_http_status_of(st), "%s", err.msg);
	fd_log(FD_LOG_INFO, "security questions changed by %s", r->username);
	return fd_reply_obj(r, 200, json_pack("{s:b}", "changed", 1));
}
