/*
 * main.c - footfalld, the device daemon (spec section 7).
 *
 *   footfalld --data-dir DIR [--listen ADDRESS:PORT] [--source SOURCE]
 *             [--listen-https ADDRESS:PORT] [--log-level error|warn|info|debug]
 *
 * --listen defaults to 127.0.0.1 and the configuration's network.http_port.
 * HTTPS runs when network.https_enabled is set, on the HTTP address and
 * network.https_port, or wherever --listen-https says (port 0: any free
 * one; the chosen port is printed), with the certificate of DATA/certs (a
 * self-signed one is made on the first start).
 *
 * Start-up order matters: everything that can fail on bad input (the data
 * directory, the configuration, the user file, the database, the listening
 * socket) is opened before the device announces itself, so a broken
 * installation stops with one clear message instead of half running.
 * SIGINT and SIGTERM are blocked in every thread and taken by sigwait in
 * the main thread, which then stops the parts in the reverse order of the
 * data flow: HTTP first (no new changes), then the pipeline (no new
 * events), then the storage thread, which drains the queue and commits.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <mosquitto.h>

#include "daemon.h"

#define QUEUE_CAP 4096

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: footfalld --data-dir DIR [--listen ADDRESS:PORT] [--source SOURCE]\n"
	    "                 [--listen-https ADDRESS:PORT] [--log-level error|warn|info|debug]\n"
	    "SOURCE, replayed in a loop at its frame rate:\n"
	    "  sim                      the simulated doorway scene (default)\n"
	    "  recording:DIR            a depth recording\n"
	    "  stereo:LEFT,RIGHT,CALIB  a stereo recording: two videos, or DIR/left and\n"
	    "                           DIR/right of a PNG pair sequence (DIR/frames.txt),\n"
	    "                           and its calibration (OpenCV YAML/XML, DepthAI JSON)\n"
	    "  stereo:DIR,CALIB         a PNG pair sequence directory\n");
}

static int fail(const char *what, const ff_error *err)
{
	fd_log(FD_LOG_ERROR, "%s: %s", what, err->msg);
	return 1;
}

/* Loads the configuration, or writes the factory one on a fresh device. */
static ff_status load_config(fd_daemon *d, ff_error *err)
{
	ff_status st = fd_config_load(d->config_path, &d->config, err);
	if (st != FF_ERR_END)
		return st;
	ff_rules rules;
	fd_live_suggested_rules(d->live, &rules);
	fd_config_default(&d->config, &rules);
	fd_log(FD_LOG_INFO, "factory-new device: writing %s", d->config_path);
	return fd_config_save(d->config_path, &d->config, err);
}

/* "HOST" of "HOST:PORT". */
static void listen_host(const char *listen, char *host, size_t cap)
{
	const char *colon = strrchr(listen, ':');
	snprintf(host, cap, "%.*s", colon ? (int)(colon - listen) : (int)strlen(listen), listen);
}

/* The certificate (made on the first start, so that it can be shown and
 * replaced before HTTPS is switched on) and the HTTPS listener, when
 * configured or asked for; *https stays NULL otherwise. cert and key must
 * outlive it. */
static ff_status start_https(fd_daemon *d, const char *http_listen, const char *https_listen,
			     fd_http **https, char **cert, char **key, ff_error *err)
{
	char host[64], where[96];
	listen_host(http_listen, host, sizeof host);
	bool enabled = https_listen || d->config.network.https_enabled;
	if (!https_listen) {
		snprintf(where, sizeof where, "%s:%d", host, d->config.network.https_port);
		https_listen = where;
	}
	listen_host(https_listen, host, sizeof host);
	ff_status st = fd_tls_server_pair(d->config.device_name, host, cert, key, err);
	if (!st && enabled)
		st = fd_https_start(d, https_listen, *cert, *key, https, err);
	if (!st && enabled)
		fd_log(FD_LOG_INFO, "HTTPS on port %d", fd_http_port(*https));
	return st;
}

static int run(fd_daemon *d, const char *listen, const char *listen_https)
{
	ff_error err = {0};
	char users_path[4200], http_listen[96];
	fd_http *http = NULL, *https = NULL;
	char *cert = NULL, *key = NULL;
	int rc = 1;
	if (mkdir(d->data_dir, 0700) && errno != EEXIST) {
		fd_log(FD_LOG_ERROR, "--data-dir %s: %s", d->data_dir, strerror(errno));
		return 1;
	}
	if (!fd_path_join(d->config_path, sizeof d->config_path, d->data_dir, "config.json") ||
	    !fd_path_join(d->db_path, sizeof d->db_path, d->data_dir, "footfall.db") ||
	    !fd_path_join(users_path, sizeof users_path, d->data_dir, "users.json")) {
		fd_log(FD_LOG_ERROR, "--data-dir: path too long");
		return 1;
	}
	if (fd_live_create(d->source, QUEUE_CAP, &d->live, &err)) {
		fail("source", &err);
		goto out;
	}
	if (fd_tls_init(d->data_dir, &err) || load_config(d, &err) ||
	    fd_users_open(users_path, &d->users, &err) ||
	    fd_store_open(d->db_path, FD_MAX_RECORDS, &d->store, &err) ||
	    fd_recorder_create(d->store, d->live, &d->config, &d->recorder, &err) ||
	    fd_push_create(d->db_path, d->recorder, d->live, &d->config, d->started, &d->push,
			   &err)) {
		fail("start-up", &err);
		goto out;
	}
	fd_recorder_set_push(d->recorder, d->push);
	if (listen)
		snprintf(http_listen, sizeof http_listen, "%s", listen);
	else
		snprintf(http_listen, sizeof http_listen, "127.0.0.1:%d",
			 d->config.network.http_port);
	if (fd_push_start(d->push, &err) || fd_recorder_start(d->recorder, &err) ||
	    fd_live_start(d->live, &d->config.rules, &err) ||
	    fd_mqttapi_start(d, &d->mqttapi, &err) || fd_liveview_create(d, &d->liveview, &err) ||
	    fd_http_start(d, http_listen, &http, &err) ||
	    start_https(d, http_listen, listen_https, &https, &cert, &key, &err)) {
		fail("start-up", &err);
		goto out;
	}
	fd_tls_listeners(&d->config.network, fd_http_port(http), https ? fd_http_port(https) : 0);
	char host[64];
	listen_host(http_listen, host, sizeof host);
	if (https)
		printf("footfalld: HTTPS on https://%s:%d/\n", host, fd_http_port(https));
	printf("footfalld: listening on http://%s:%d/ (data in %s, source %s)\n", host,
	       fd_http_port(http), d->data_dir, d->source);
	fflush(stdout);
	fd_log(FD_LOG_INFO, "running on http://%s:%d/, %s", host, fd_http_port(http),
	       fd_users_activated(d->users) ? "activated"
					    : "not activated: POST /api/v1/activate first");

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, FD_RESTART_SIGNAL);
	int sig = 0;
	sigwait(&set, &sig);
	fd_log(FD_LOG_INFO, "%s: stopping",
	       sig == SIGINT	? "SIGINT"
	       : sig == SIGTERM ? "SIGTERM"
				: "restart");
	rc = sig == FD_RESTART_SIGNAL ? FD_STOPPED_FOR_RESTART : 0;
out:
	fd_liveview_close(d->liveview);
	fd_http_stop(https);
	fd_http_stop(http);
	fd_liveview_destroy(d->liveview);
	free(cert);
	free(key);
	fd_mqttapi_stop(d->mqttapi);
	if (d->live)
		fd_live_stop(d->live);
	fd_recorder_destroy(d->recorder);
	fd_push_destroy(d->push);
	fd_live_destroy(d->live);
	fd_store_close(d->store);
	fd_users_close(d->users);
	if (rc == 0)
		fd_log(FD_LOG_INFO, "stopped");
	return rc;
}

int main(int argc, char **argv)
{
	static fd_daemon d;
	const char *dir = NULL, *listen = NULL, *listen_https = NULL;
	d.source = "sim";
	/* glibc gives every thread that allocates an arena of its own, which
	 * the daemon's dozen threads (pipeline, storage, a sender per
	 * recipient, HTTP) grow and keep; two arenas keep the resident size
	 * within the device's 48 MB budget (peak 47 MB after activation and
	 * login, steady 40 MB on the simulated source). */
	mallopt(M_ARENA_MAX, 2);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		fd_log_level level;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--data-dir") && v) {
			dir = v;
		} else if (!strcmp(a, "--listen") && v) {
			listen = v;
		} else if (!strcmp(a, "--listen-https") && v) {
			listen_https = v;
		} else if (!strcmp(a, "--source") && v) {
			d.source = v;
		} else if (!strcmp(a, "--log-level") && v && fd_log_parse_level(v, &level)) {
			fd_log_set_level(level);
		} else {
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (!dir || strlen(dir) >= sizeof d.data_dir) {
		usage(stderr);
		return 2;
	}
	snprintf(d.data_dir, sizeof d.data_dir, "%s", dir);
	d.started = fd_now();
	if (pthread_mutex_init(&d.config_lock, NULL))
		return 1;
	/* Blocked before any thread starts, so that every thread inherits the
	 * mask and only sigwait sees these signals. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, FD_RESTART_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Configuration, users and history are nobody else's business. */
	umask(077);
	/* Both libraries want their global set-up before any thread runs. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) || mosquitto_lib_init())
		return 1;
	int rc = run(&d, listen, listen_https);
	mosquitto_lib_cleanup();
	curl_global_cleanup();
	pthread_mutex_destroy(&d.config_lock);
	return rc == FD_STOPPED_FOR_RESTART ? fd_maint_restart(d.data_dir, argv) : rc;
}
