/*
 * maint.c - system maintenance (guide 5.6.5): configuration export, basic
 * recovery, factory reset and restart.
 *
 * Import is PUT /api/v1/config under another name (same parser, same
 * all-or-nothing commit), so it lives in http.c's route table only.
 *
 * Restart and factory reset must answer first and only then take the
 * daemon down, so the reply is built with a free callback: libmicrohttpd
 * frees a response once the connection is done with it (sent, or the
 * client gone), and that callback sends FD_RESTART_SIGNAL to the process.
 * main() waits for it beside SIGINT and SIGTERM, stops every part in the
 * usual order (the storage thread saves the cumulative counts on the way
 * out, which is why they survive) and calls fd_maint_restart, which
 * re-executes the program with its own argv. A factory reset wipes the
 * data directory there, with every file closed, so the new process starts
 * as a device that was never set up: not activated, factory configuration,
 * empty history, new certificates. The wipe removes the user file last:
 * if it is interrupted, the old admin still owns what is left and can
 * repeat it, instead of a stranger activating a half-wiped device.
 *
 * An `--listen ADDRESS:0` (any free port) is re-executed with the port it
 * got, so clients find the device where it was (known when the request
 * came over HTTP; over HTTPS, port 0 picks a new free port).
 *
 * Basic recovery keeps the users and the network section (the guide: "keep
 * the IP settings and user information") and the history, and clears the
 * cumulative counts: the history is what happened and reports over past
 * days stay true, but the cumulative counts belong to the detection lines
 * and regions, which recovery replaces with the factory ones; carrying old
 * totals over to new lines that happen to reuse an id would report counts
 * no line ever made.
 */
/* nftw() and its flags are X/Open. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "maint.h"

#define USERS_FILE "users.json"

enum { PENDING_NONE, PENDING_RESTART, PENDING_WIPE };

static atomic_int pending = PENDING_NONE;
static atomic_int http_port = 0;

/* A reply that is followed by a restart (or a factory reset): nothing is
 * asked for until the reply is out, so a reply that fails leaves no
 * restart pending for later. */
typedef struct then {
	int action;
	char body[];
} then;

static void after_reply(void *cls)
{
	then *t = cls;
	int cur = atomic_load(&pending);
	/* A factory reset wins over a restart asked for at the same time. */
	while (cur < t->action && !atomic_compare_exchange_weak(&pending, &cur, t->action))
		;
	free(t);
	kill(getpid(), FD_RESTART_SIGNAL);
}

static struct MHD_Response *response_then(char *body, int action)
{
	size_t n = strlen(body);
	then *t = malloc(sizeof *t + n + 1);
	if (t) {
		t->action = action;
		memcpy(t->body, body, n + 1);
	}
	free(body);
	struct MHD_Response *resp =
	    t ? MHD_create_response_from_buffer_with_free_callback_cls(n, t->body, after_reply, t)
	      : NULL;
	if (!resp)
		free(t);
	return resp;
}

/* body (owned JSON text) with the usual headers; action (PENDING_*) follows
 * once it is sent, a download name when `attachment`. */
static enum MHD_Result reply(fd_req *r, char *body, const char *attachment, int action)
{
	if (!body)
		return fd_reply_json(r, 500, NULL);
	struct MHD_Response *resp =
	    action != PENDING_NONE
		? response_then(body, action)
		: MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		if (action == PENDING_NONE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (attachment) {
		char cd[128];
		snprintf(cd, sizeof cd, "attachment; filename=\"%s\"", attachment);
		MHD_add_response_header(resp, "Content-Disposition", cd);
	}
	if (action != PENDING_NONE)
		MHD_add_response_header(resp, "Connection", "close");
	enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static char *json_text(json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

enum MHD_Result fd_maint_export(fd_req *r)
{
	char *text;
	enum MHD_Result sent = fd_reply_config(r, &text);
	return text ? reply(r, text, "footfall-config.json", PENDING_NONE) : sent;
}

enum MHD_Result fd_maint_recovery(fd_req *r)
{
	fd_daemon *d = r->d;
	ff_rules rules;
	fd_live_suggested_rules(d->live, &rules);
	fd_config cfg;
	fd_config_default(&cfg, &rules);
	ff_error err = {0};
	pthread_mutex_lock(&d->config_lock);
	cfg.network = d->config.network;
	ff_status st = fd_commit_config(r->d, r->username, &cfg, &err);
	pthread_mutex_unlock(&d->config_lock);
	if (st)
		return fd_reply_error(r, 500, "%s", err.msg);
	fd_recorder_reset(d->recorder);
	fd_log(FD_LOG_WARN, "basic recovery by %s: factory configuration, users and network kept",
	       r->username);
	return reply(r, json_text(json_pack("{s:b}", "recovered", 1)), NULL, PENDING_NONE);
}

/* Asks for a restart once the reply to r is sent. */
static enum MHD_Result restart_after(fd_req *r, int what, const char *key)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_DAEMON);
	const union MHD_DaemonInfo *flags =
	    ci ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_FLAGS) : NULL;
	const union MHD_DaemonInfo *port =
	    ci ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;
	/* Only the plain HTTP listener is --listen. */
	if (flags && port && !(flags->flags & MHD_USE_TLS))
		atomic_store(&http_port, port->port);
	return reply(r, json_text(json_pack("{s:b}", key, 1)), NULL, what);
}

enum MHD_Result fd_maint_restart_request(fd_req *r)
{
	fd_log(FD_LOG_INFO, "restart asked for by %s", r->username);
	return restart_after(r, PENDING_RESTART, "restarting");
}

enum MHD_Result fd_maint_factory_reset(fd_req *r)
{
	enum MHD_Result sent = MHD_NO;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	const char *pw = fd_str_field(b, "password");
	char token[FD_TOKEN_LEN + 1];
	int retry = 0;
	/* A login of the admin: wrong passwords count towards the lockout. */
	fd_login res = pw ? fd_users_login(r->d->users, "admin", pw, token, &retry) : FD_LOGIN_BAD;
	json_decref(b);
	if (!pw)
		return fd_reply_error(r, 400, "password: required");
	if (res == FD_LOGIN_LOCKED) {
		char *text = json_text(
		    json_pack("{s:s}", "error", "password: too many failed attempts, try later"));
		return text ? fd_reply_full(r, 429, "application/json", text, strlen(text), NULL,
					    retry)
			    : MHD_NO;
	}
	if (res != FD_LOGIN_OK) {
		fd_log(FD_LOG_WARN, "factory reset by %s refused: wrong admin password",
		       r->username);
		return fd_reply_error(r, 403, "password: not the admin password");
	}
	fd_users_logout(r->d->users, token);
	fd_log(FD_LOG_WARN, "factory reset by %s: the data directory will be wiped", r->username);
	return restart_after(r, PENDING_WIPE, "factory_reset");
}

/* ---- After the parts have stopped (main thread) --------------------------- */

static int wipe_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	if (ftw->level == 0 || (ftw->level == 1 && !strcmp(path + ftw->base, USERS_FILE)))
		return 0;
	if (remove(path))
		fd_log(FD_LOG_ERROR, "factory reset: %s: %s", path, strerror(errno));
	return 0;
}

static ff_status wipe(const char *dir, ff_error *err)
{
	char users[4200];
	if (!fd_path_join(users, sizeof users, dir, USERS_FILE))
		return ff_error_set(err, FF_ERR_INVALID, "%s: path too long", dir);
	/* Physical walk: a symbolic link is removed, never followed. */
	if (nftw(dir, wipe_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT))
		return ff_error_set(err, FF_ERR_IO, "%s: %s", dir, strerror(errno));
	if (remove(users) && errno != ENOENT)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", users, strerror(errno));
	return FF_OK;
}

int fd_maint_restart(const char *data_dir, char **argv)
{
	ff_error err = {0};
	if (atomic_load(&pending) == PENDING_WIPE) {
		if (wipe(data_dir, &err)) {
			fd_log(FD_LOG_ERROR, "factory reset: %s", err.msg);
			return 1;
		}
		fd_log(FD_LOG_WARN, "factory reset: %s wiped", data_dir);
	}
	int argc = 0;
	while (argv[argc])
		argc++;
	char **args = calloc((size_t)argc + 1, sizeof *args);
	char listen[96];
	if (!args) {
		fd_log(FD_LOG_ERROR, "restart: out of memory");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		args[i] = argv[i];
		size_t n = strlen(argv[i]);
		if (i > 0 && !strcmp(argv[i - 1], "--listen") && n >= 2 && n < 64 &&
		    !strcmp(argv[i] + n - 2, ":0") && atomic_load(&http_port) > 0) {
			snprintf(listen, sizeof listen, "%.*s:%d", (int)(n - 2), argv[i],
				 atomic_load(&http_port));
			args[i] = listen;
		}
	}
	/* Blocked signals stay pending over execv: a second request that came
	 * in meanwhile must not restart the new process at once. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, FD_RESTART_SIGNAL);
	struct timespec zero = {0, 0};
	while (sigtimedwait(&set, NULL, &zero) > 0)
		;
	fd_log(FD_LOG_INFO, "restarting");
	fflush(stdout);
	fflush(stderr);
	execv("/proc/self/exe", args);
	fd_log(FD_LOG_ERROR, "restart: %s: %s", argv[0], strerror(errno));
	free(args);
	return 1;
}
