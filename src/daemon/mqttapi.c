/*
 * mqttapi.c - the MQTT downlink API (guide 5.3.2, "MQTT API").
 *
 * The device is a client of the configured broker: it subscribes to
 * request_topic and answers every command on reply_topic.
 *
 *   request  {"id": ANY, "command": "get_counts" | "get_config" |
 *             "set_config" | "reset_counts" | "get_device_info",
 *             "config": {...}}                      (set_config only)
 *   reply    {"id": same, "command": same, "status": "ok", "result": ...}
 *            {"id": same, "command": same, "status": "error",
 *             "error": "message naming the problem"}
 *
 * get_counts answers what GET /api/v1/counts does, get_config and
 * set_config the configuration document of GET/PUT /api/v1/config (without
 * passwords, and a missing password keeps the stored one), validated and
 * committed by the same functions, so the broker is one more way in, with
 * the same rules. A message that carries "status" is a reply, never a
 * command: with a request topic whose wildcards match the reply topic the
 * device would otherwise answer its own answers for ever.
 *
 * One thread of its own runs the client with mosquitto_loop, so the
 * commands run on it too and never on libmicrohttpd's or the pipeline's
 * threads. It follows the configuration by itself (the mqtt_api section is
 * compared each round, a few times a second): any change of the connection
 * settings, or of the uploaded TLS files, makes a fresh client. A lost or
 * refused connection is retried after a backoff doubling from 1 to 30 s.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <mosquitto.h>

#include "daemon.h"
#include "http_internal.h"
#include "tls.h"

#define BACKOFF_MIN 1.0
#define BACKOFF_MAX 30.0
#define CONNECT_TIMEOUT 5.0 /* seconds for the broker's CONNACK */
#define ROUND_MS 100
#define KEEPALIVE 30

struct fd_mqttapi {
	fd_daemon *d;
	pthread_t thread;
	bool running;

	pthread_mutex_t lock; /* guards the fields below */
	bool stop;
	bool connected;
	char last_error[FF_ERROR_MAX];
	uint64_t commands, failed;

	/* API thread only */
	fd_mqtt_api cfg;
	struct mosquitto *mosq;
	unsigned tls_gen;
	double connect_at, connecting_since, backoff;
	int state; /* 0 none or connecting, 1 connected, -1 lost */
};

static void set_error(fd_mqttapi *a, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void set_error(fd_mqttapi *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&a->lock);
	vsnprintf(a->last_error, sizeof a->last_error, fmt, ap);
	a->connected = false;
	pthread_mutex_unlock(&a->lock);
	va_end(ap);
	fd_log(FD_LOG_DEBUG, "mqtt api: %s", a->last_error);
}

/* ---- Commands ------------------------------------------------------------ */

static json_t *device_info(fd_daemon *d)
{
	fd_config *cfg = malloc(sizeof *cfg);
	if (!cfg)
		return NULL;
	fd_current_config(d, cfg);
	ff_device_info dev;
	fd_config_device_info(cfg, d->started, fd_now(), &dev);
	free(cfg);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "device_name", dev.device_name,
			 "device_sn", dev.device_sn, "device_mac", dev.device_mac, "ip_address",
			 dev.ip_address, "cus_device_id", dev.cus_device_id, "cus_site_id",
			 dev.cus_site_id, "firmware_version", dev.firmware_version,
			 "hardware_version", dev.hardware_version, "running_time",
			 (json_int_t)dev.running_time);
}

/* A JSON text as a value of the reply (taken over). */
static json_t *parsed(char *text)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	free(text);
	return v;
}

static json_t *get_config(fd_daemon *d, ff_error *err)
{
	fd_config *cfg = malloc(sizeof *cfg);
	if (!cfg) {
		ff_error_set(err, FF_ERR_NOMEM, "config: out of memory");
		return NULL;
	}
	fd_current_config(d, cfg);
	char *text = NULL;
	ff_status st = fd_config_to_json(cfg, &text, err);
	free(cfg);
	return st ? NULL : parsed(text);
}

/* PUT /api/v1/config's path: the whole document is validated before
 * anything changes, and committed under the configuration lock. */
static json_t *set_config(fd_daemon *d, json_t *doc, ff_error *err)
{
	if (!json_is_object(doc)) {
		ff_error_set(err, FF_ERR_INVALID, "config: an object is required");
		return NULL;
	}
	char *text = json_dumps(doc, JSON_COMPACT);
	fd_config *cfg = malloc(sizeof *cfg);
	ff_status st = !text || !cfg ? ff_error_set(err, FF_ERR_NOMEM, "config: out of memory")
				     : fd_config_parse(text, strlen(text), cfg, err);
	free(text);
	if (!st) {
		pthread_mutex_lock(&d->config_lock);
		st = fd_commit_config(d, "the MQTT API", cfg, err);
		pthread_mutex_unlock(&d->config_lock);
	}
	free(cfg);
	return st ? NULL : get_config(d, err);
}

/* The result of a request, or NULL with err naming the problem. */
static json_t *run_command(fd_daemon *d, const char *command, json_t *req, ff_error *err)
{
	if (strcmp(command, "set_config") && json_object_get(req, "config")) {
		ff_error_set(err, FF_ERR_INVALID, "config: only for set_config");
		return NULL;
	}
	if (!strcmp(command, "get_counts")) {
		char *text = NULL;
		return fd_counts_report(d, &text, err) ? NULL : parsed(text);
	}
	if (!strcmp(command, "get_config"))
		return get_config(d, err);
	if (!strcmp(command, "set_config")) {
		json_t *doc = json_object_get(req, "config");
		if (!doc) {
			ff_error_set(err, FF_ERR_INVALID, "config: required for set_config");
			return NULL;
		}
		return set_config(d, doc, err);
	}
	if (!strcmp(command, "reset_counts")) {
		fd_recorder_reset(d->recorder);
		fd_log(FD_LOG_INFO, "cumulative counts reset through the MQTT API");
		return json_pack("{s:b}", "reset", 1);
	}
	if (!strcmp(command, "get_device_info"))
		return device_info(d);
	ff_error_set(err, FF_ERR_INVALID,
		     "command: '%s' is not one of get_counts, get_config, set_config, "
		     "reset_counts, get_device_info",
		     command);
	return NULL;
}

/* The reply to one request (never NULL but for a lack of memory). */
static char *answer(fd_mqttapi *a, const char *payload, int len, bool *ignore)
{
	static const char *const keys[] = {"id", "command", "config", NULL};
	json_error_t jerr;
	json_t *req = json_loadb(payload, (size_t)len, JSON_REJECT_DUPLICATES, &jerr);
	*ignore = json_is_object(req) && json_object_get(req, "status");
	if (*ignore) {
		json_decref(req);
		return NULL;
	}
	json_t *id = json_object_get(req, "id"), *cmd = json_object_get(req, "command");
	ff_error err = {0};
	json_t *result = NULL;
	if (!req)
		ff_error_set(&err, FF_ERR_FORMAT, "request: not JSON: line %d column %d: %s",
			     jerr.line, jerr.column, jerr.text);
	else if (!json_is_object(req))
		ff_error_set(&err, FF_ERR_INVALID, "request: expected a JSON object");
	else if (fd_json_check_keys(req, "request", keys, &err) == FF_OK) {
		if (!json_is_string(cmd))
			ff_error_set(&err, FF_ERR_INVALID, "command: a string is required");
		else
			result = run_command(a->d, json_string_value(cmd), req, &err);
	}
	json_t *reply = json_pack("{s:O?,s:O?,s:s}", "id", id, "command", cmd, "status",
				  result ? "ok" : "error");
	if (reply)
		json_object_set_new(reply, result ? "result" : "error",
				    result ? result : json_string(err.msg));
	else
		json_decref(result);
	char *text = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	json_decref(reply);
	json_decref(req);
	pthread_mutex_lock(&a->lock);
	a->commands++;
	a->failed += !result;
	pthread_mutex_unlock(&a->lock);
	if (!result)
		fd_log(FD_LOG_INFO, "mqtt api: request refused: %s", err.msg);
	return text;
}

/* ---- The client ---------------------------------------------------------- */

static void on_connect(struct mosquitto *m, void *user, int rc)
{
	fd_mqttapi *a = user;
	if (rc) {
		a->state = -1;
		set_error(a, "broker refused the connection: %s", mosquitto_connack_string(rc));
		return;
	}
	rc = mosquitto_subscribe(m, NULL, a->cfg.request_topic, a->cfg.qos);
	if (rc) {
		a->state = -1;
		set_error(a, "subscribe: %s", mosquitto_strerror(rc));
		return;
	}
	a->state = 1;
	a->backoff = 0;
	pthread_mutex_lock(&a->lock);
	a->connected = true;
	a->last_error[0] = '\0';
	pthread_mutex_unlock(&a->lock);
	fd_log(FD_LOG_INFO, "mqtt api: connected to %s:%d, requests on '%s'", a->cfg.host,
	       a->cfg.port, a->cfg.request_topic);
}

static void on_disconnect(struct mosquitto *m, void *user, int rc)
{
	(void)m;
	fd_mqttapi *a = user;
	if (a->state >= 0 && rc)
		set_error(a, "connection lost: %s", mosquitto_strerror(rc));
	a->state = -1;
}

static void on_message(struct mosquitto *m, void *user, const struct mosquitto_message *msg)
{
	fd_mqttapi *a = user;
	if (!strcmp(msg->topic, a->cfg.reply_topic))
		return;
	bool ignore = false;
	char *reply = answer(a, msg->payload ? msg->payload : "", msg->payloadlen, &ignore);
	if (ignore)
		return;
	if (!reply) {
		fd_log(FD_LOG_ERROR, "mqtt api: out of memory, request not answered");
		return;
	}
	int rc = mosquitto_publish(m, NULL, a->cfg.reply_topic, (int)strlen(reply), reply,
				   a->cfg.qos, false);
	free(reply);
	if (rc)
		set_error(a, "reply not sent: %s", mosquitto_strerror(rc));
}

/* Lets what is queued (a last reply) leave before the client goes. */
static void drop_client(fd_mqttapi *a)
{
	if (!a->mosq)
		return;
	for (int i = 0; i < 10 && a->state > 0 && mosquitto_want_write(a->mosq); i++)
		mosquitto_loop(a->mosq, ROUND_MS, 1);
	mosquitto_disconnect(a->mosq);
	mosquitto_loop(a->mosq, 0, 1);
	mosquitto_destroy(a->mosq);
	a->mosq = NULL;
	a->state = 0;
	pthread_mutex_lock(&a->lock);
	a->connected = false;
	pthread_mutex_unlock(&a->lock);
}

static void retry_later(fd_mqttapi *a)
{
	drop_client(a);
	a->backoff = a->backoff > 0 ? a->backoff * 2 : BACKOFF_MIN;
	if (a->backoff > BACKOFF_MAX)
		a->backoff = BACKOFF_MAX;
	a->connect_at = fd_now() + a->backoff;
}

static void connect_client(fd_mqttapi *a)
{
	const fd_mqtt_api *c = &a->cfg;
	a->tls_gen = fd_tls_generation();
	a->mosq = mosquitto_new(c->client_id[0] ? c->client_id : NULL, true, a);
	if (!a->mosq) {
		set_error(a, "cannot create a client");
		retry_later(a);
		return;
	}
	mosquitto_connect_callback_set(a->mosq, on_connect);
	mosquitto_disconnect_callback_set(a->mosq, on_disconnect);
	mosquitto_message_callback_set(a->mosq, on_message);
	ff_error err = {0};
	int rc = MOSQ_ERR_SUCCESS;
	if (c->username[0])
		rc = mosquitto_username_pw_set(a->mosq, c->username, c->password);
	if (!rc && c->tls && fd_tls_mosquitto(a->mosq, "mqtt-api", &err)) {
		set_error(a, "%s", err.msg);
		retry_later(a);
		return;
	}
	if (!rc)
		rc = mosquitto_connect_async(a->mosq, c->host, c->port, KEEPALIVE);
	if (rc) {
		set_error(a, "%s:%d: %s", c->host, c->port, mosquitto_strerror(rc));
		retry_later(a);
		return;
	}
	a->state = 0;
	a->connecting_since = fd_now();
}

static bool same_settings(const fd_mqtt_api *x, const fd_mqtt_api *y)
{
	return x->enabled == y->enabled && !strcmp(x->host, y->host) && x->port == y->port &&
	       !strcmp(x->client_id, y->client_id) && !strcmp(x->username, y->username) &&
	       !strcmp(x->password, y->password) && x->tls == y->tls &&
	       !strcmp(x->request_topic, y->request_topic) &&
	       !strcmp(x->reply_topic, y->reply_topic) && x->qos == y->qos;
}

static void *run(void *arg)
{
	fd_mqttapi *a = arg;
	for (;;) {
		pthread_mutex_lock(&a->lock);
		bool stop = a->stop;
		pthread_mutex_unlock(&a->lock);
		if (stop)
			break;
		fd_mqtt_api now_cfg;
		pthread_mutex_lock(&a->d->config_lock);
		now_cfg = a->d->config.mqtt_api;
		pthread_mutex_unlock(&a->d->config_lock);
		if (!same_settings(&now_cfg, &a->cfg) || a->tls_gen != fd_tls_generation()) {
			drop_client(a);
			a->tls_gen = fd_tls_generation();
			a->cfg = now_cfg;
			a->backoff = 0;
			a->connect_at = 0;
			pthread_mutex_lock(&a->lock);
			a->last_error[0] = '\0';
			pthread_mutex_unlock(&a->lock);
		}
		if (!a->cfg.enabled) {
			struct timespec ts = {0, ROUND_MS * 1000000L};
			nanosleep(&ts, NULL);
			continue;
		}
		double t = fd_now();
		if (!a->mosq && t >= a->connect_at)
			connect_client(a);
		if (!a->mosq) {
			struct timespec ts = {0, ROUND_MS * 1000000L};
			nanosleep(&ts, NULL);
			continue;
		}
		int rc = mosquitto_loop(a->mosq, ROUND_MS, 1);
		if (a->state == 0 && fd_now() - a->connecting_since > CONNECT_TIMEOUT) {
			set_error(a, "%s:%d: no answer from the broker", a->cfg.host, a->cfg.port);
			a->state = -1;
		} else if (rc && a->state >= 0) {
			set_error(a, "connection: %s",
				  rc == MOSQ_ERR_ERRNO ? "network error" : mosquitto_strerror(rc));
			a->state = -1;
		}
		if (a->state < 0)
			retry_later(a);
	}
	drop_client(a);
	return NULL;
}

ff_status fd_mqttapi_start(fd_daemon *d, fd_mqttapi **out, ff_error *err)
{
	fd_mqttapi *a = calloc(1, sizeof *a);
	if (!a)
		return ff_error_set(err, FF_ERR_NOMEM, "mqtt api: out of memory");
	a->d = d;
	pthread_mutex_init(&a->lock, NULL);
	if (pthread_create(&a->thread, NULL, run, a)) {
		pthread_mutex_destroy(&a->lock);
		free(a);
		return ff_error_set(err, FF_ERR_NOMEM, "mqtt api: cannot start the thread");
	}
	a->running = true;
	*out = a;
	return FF_OK;
}

void fd_mqttapi_stop(fd_mqttapi *a)
{
	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_mutex_unlock(&a->lock);
	if (a->running)
		pthread_join(a->thread, NULL);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

enum MHD_Result fd_h_mqttapi_status(fd_req *r)
{
	fd_mqttapi *a = r->d->mqttapi;
	fd_config *cfg = malloc(sizeof *cfg);
	if (!cfg)
		return fd_reply_json(r, 500, NULL);
	fd_current_config(r->d, cfg);
	bool enabled = cfg->mqtt_api.enabled;
	free(cfg);
	bool connected = false;
	char last_error[FF_ERROR_MAX] = "";
	uint64_t commands = 0, failed = 0;
	if (a) {
		pthread_mutex_lock(&a->lock);
		connected = a->connected;
		snprintf(last_error, sizeof last_error, "%s", a->last_error);
		commands = a->commands;
		failed = a->failed;
		pthread_mutex_unlock(&a->lock);
	}
	return fd_reply_obj(r, 200,
			    json_pack("{s:b,s:b,s:s,s:I,s:I}", "enabled", enabled, "connected",
				      connected, "last_error", last_error, "commands",
				      (json_int_t)commands, "failed", (json_int_t)failed));
}
