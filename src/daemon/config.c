/*
 * config.c - the device's configuration document.
 *
 *   {"device":         {"device_name", "cus_device_id", "cus_site_id"},
 *    "time":           {"time_zone": "+08:00",
 *                       "dst": {"enabled", "start": "MM-DDTHH:MM",
 *                               "end": "MM-DDTHH:MM", "bias_min"}},
 *    "privacy":        {"preview": "none"|"static"|"video",
 *                       "image_type": "monochrome"|"pseudo_color",
 *                       "resolution": "low"|"high"},
 *    "reset_schedule": {"enabled", "time": "HH:MM"},
 *    "recipients":     [up to 8 push recipients, see recipients.c],
 *    "rules":          spec section 3,
 *    "network":        {"http_port", "https_enabled", "https_port"},
 *    "mqtt_api":       {"enabled", "host", "port", "client_id", "username",
 *                       "password", "tls", "request_topic", "reply_topic",
 *                       "qos"}}
 *
 * The whole document is parsed into a fresh fd_config and only a complete
 * success is handed back, so a bad field can never leave half a change
 * behind. Every section and key is optional (factory values fill in), every
 * unknown key is an error: a misspelt option must not be silently dropped.
 * The rules go through the library's own parser, which names their fields.
 *
 * Passwords (recipients, mqtt_api) leave the device only in the file: the
 * document the API shows has "password_set" instead, and a document
 * without a password keeps the stored one (fd_config_keep_secrets at
 * commit) unless it says "password_set": false, so what a client reads it
 * can write back unchanged.
 *
 * DST: the switch times are local standard time on fixed dates every year
 * (the guide's start/end/bias); a start later than the end in the year is a
 * southern-hemisphere summer that spans the new year.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon.h"

void fd_config_default(fd_config *c, const ff_rules *rules)
{
	memset(c, 0, sizeof *c);
	ff_device_info dev;
	ff_device_info_default(&dev);
	snprintf(c->device_name, sizeof c->device_name, "%s", dev.device_name);
	c->dst.start_month = 3;
	c->dst.start_day = 31;
	c->dst.start_minute = 120;
	c->dst.end_month = 10;
	c->dst.end_day = 27;
	c->dst.end_minute = 180;
	c->dst.bias_min = 60;
	c->preview = FD_PREVIEW_VIDEO;
	c->pseudo_color = true;
	c->reset_minute = 0;
	c->network.http_port = 8080;
	c->network.https_port = 8443;
	c->mqtt_api.port = 1883;
	c->mqtt_api.qos = 1;
	snprintf(c->mqtt_api.request_topic, sizeof c->mqtt_api.request_topic,
		 "footfall/api/request");
	snprintf(c->mqtt_api.reply_topic, sizeof c->mqtt_api.reply_topic, "footfall/api/reply");
	if (rules)
		c->rules = *rules;
	else
		ff_rules_default(&c->rules);
}

void fd_config_device_info(const fd_config *c, double started, double now, ff_device_info *out)
{
	ff_device_info_default(out);
	snprintf(out->device_name, sizeof out->device_name, "%s", c->device_name);
	snprintf(out->cus_device_id, sizeof out->cus_device_id, "%s", c->cus_device_id);
	snprintf(out->cus_site_id, sizeof out->cus_site_id, "%s", c->cus_site_id);
	out->running_time = (int64_t)(now - started);
}

/* ---- Parsing helpers ----------------------------------------------------- */

ff_status fd_json_check_keys(json_t *obj, const char *path, const char *const *allowed,
			     ff_error *err)
{
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v)
	{
		bool known = false;
		for (const char *const *a = allowed; *a && !known; a++)
			known = !strcmp(*a, key);
		if (!known)
			return ff_error_set(err, FF_ERR_INVALID, "%s%s%s: unknown key", path,
					    *path ? "." : "", key);
	}
	return FF_OK;
}

static ff_status get_object(json_t *parent, const char *sect, const char *key, json_t **out,
			    ff_error *err)
{
	json_t *v = json_object_get(parent, key);
	*out = NULL;
	if (!v)
		return FF_OK;
	if (!json_is_object(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s%s%s: expected an object", sect,
				    *sect ? "." : "", key);
	*out = v;
	return FF_OK;
}

ff_status fd_json_string(json_t *obj, const char *sect, const char *key, char *buf, size_t cap,
			 ff_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return FF_OK;
	if (!json_is_string(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s.%s: expected a string", sect, key);
	if (json_string_length(v) >= cap)
		return ff_error_set(err, FF_ERR_LIMIT, "%s.%s: at most %zu characters", sect, key,
				    cap - 1);
	const char *s = json_string_value(v);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return ff_error_set(err, FF_ERR_INVALID,
					    "%s.%s: control characters are not allowed", sect, key);
	snprintf(buf, cap, "%s", s);
	return FF_OK;
}

ff_status fd_json_bool(json_t *obj, const char *sect, const char *key, bool *out, ff_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return FF_OK;
	if (!json_is_boolean(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s.%s: expected true or false", sect,
				    key);
	*out = json_is_true(v);
	return FF_OK;
}

ff_status fd_json_int(json_t *obj, const char *sect, const char *key, int lo, int hi, int *out,
		      ff_error *err)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return FF_OK;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return ff_error_set(err, FF_ERR_INVALID, "%s.%s: expected an integer from %d to %d",
				    sect, key, lo, hi);
	*out = (int)json_integer_value(v);
	return FF_OK;
}

ff_status fd_json_password(json_t *obj, const char *sect, const char *key, char *buf, size_t cap,
			   bool *keep, ff_error *err)
{
	/* KEY_set false (read from the API) says there is nothing to keep, so
	 * that the document reads back the same. */
	char flag[64];
	snprintf(flag, sizeof flag, "%s_set", key);
	*keep = !json_object_get(obj, key) && !json_is_false(json_object_get(obj, flag));
	return fd_json_string(obj, sect, key, buf, cap, err);
}

ff_status fd_json_choice(json_t *obj, const char *sect, const char *key, const char *const *choices,
			 int *out, ff_error *err)
{
	char buf[32] = "";
	json_t *v = json_object_get(obj, key);
	if (!v)
		return FF_OK;
	if (!json_is_string(v) || json_string_length(v) >= sizeof buf)
		return ff_error_set(err, FF_ERR_INVALID, "%s.%s: expected a string", sect, key);
	snprintf(buf, sizeof buf, "%s", json_string_value(v));
	for (int i = 0; choices[i]; i++)
		if (!strcmp(buf, choices[i])) {
			*out = i;
			return FF_OK;
		}
	return ff_error_set(err, FF_ERR_INVALID, "%s.%s: '%s' is not one of the allowed values",
			    sect, key, buf);
}

/* "HH:MM" into minutes of the day. */
static bool parse_hhmm(const char *s, int *minute)
{
	if (strlen(s) != 5 || s[2] != ':')
		return false;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return false;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h > 23 || m > 59)
		return false;
	*minute = h * 60 + m;
	return true;
}

/* "MM-DDTHH:MM". */
static ff_status get_switch(json_t *obj, const char *key, int *month, int *day, int *minute,
			    ff_error *err)
{
	char buf[16] = "";
	ff_status st = fd_json_string(obj, "time.dst", key, buf, sizeof buf, err);
	if (st || !buf[0])
		return st;
	int mo = 0, d = 0;
	bool ok = strlen(buf) == 11 && buf[2] == '-' && buf[5] == 'T' &&
		  sscanf(buf, "%2d-%2d", &mo, &d) == 2 && mo >= 1 && mo <= 12 && d >= 1 &&
		  d <= 31 && parse_hhmm(buf + 6, minute);
	if (!ok)
		return ff_error_set(err, FF_ERR_INVALID,
				    "time.dst.%s: expected MM-DDTHH:MM, e.g. 03-31T02:00", key);
	*month = mo;
	*day = d;
	return FF_OK;
}

static ff_status parse_device(json_t *doc, fd_config *c, ff_error *err)
{
	static const char *const keys[] = {"device_name", "cus_device_id", "cus_site_id", NULL};
	json_t *o;
	ff_status st = get_object(doc, "", "device", &o, err);
	if (st || !o)
		return st;
	if ((st = fd_json_check_keys(o, "device", keys, err)) ||
	    (st = fd_json_string(o, "device", "device_name", c->device_name, sizeof c->device_name,
				 err)) ||
	    (st = fd_json_string(o, "device", "cus_device_id", c->cus_device_id,
				 sizeof c->cus_device_id, err)) ||
	    (st = fd_json_string(o, "device", "cus_site_id", c->cus_site_id, sizeof c->cus_site_id,
				 err)))
		return st;
	return FF_OK;
}

static ff_status parse_time(json_t *doc, fd_config *c, ff_error *err)
{
	static const char *const keys[] = {"time_zone", "dst", NULL};
	static const char *const dst_keys[] = {"enabled", "start", "end", "bias_min", NULL};
	json_t *o, *dst;
	char tz[16] = "";
	ff_status st = get_object(doc, "", "time", &o, err);
	if (st || !o)
		return st;
	if ((st = fd_json_check_keys(o, "time", keys, err)) ||
	    (st = fd_json_string(o, "time", "time_zone", tz, sizeof tz, err)))
		return st;
	if (tz[0]) {
		ff_error tzerr;
		if (ff_timezone_parse(tz, &c->utc_offset_min, &tzerr))
			return ff_error_set(err, FF_ERR_INVALID, "time.time_zone: %s", tzerr.msg);
		/* every zone in use is on a quarter hour, which is what lets
		 * reports come from the store's quarter-hour summary */
		if (c->utc_offset_min % 15)
			return ff_error_set(err, FF_ERR_INVALID,
					    "time.time_zone: '%s' is not a whole number of quarter "
					    "hours from UTC",
					    tz);
	}
	if ((st = get_object(o, "time", "dst", &dst, err)) || !dst)
		return st;
	if ((st = fd_json_check_keys(dst, "time.dst", dst_keys, err)) ||
	    (st = fd_json_bool(dst, "time.dst", "enabled", &c->dst.enabled, err)) ||
	    (st = get_switch(dst, "start", &c->dst.start_month, &c->dst.start_day,
			     &c->dst.start_minute, err)) ||
	    (st = get_switch(dst, "end", &c->dst.end_month, &c->dst.end_day, &c->dst.end_minute,
			     err)))
		return st;
	json_t *bias = json_object_get(dst, "bias_min");
	if (bias) {
		if (!json_is_integer(bias) || json_integer_value(bias) < 0 ||
		    json_integer_value(bias) > 120 || json_integer_value(bias) % 15)
			return ff_error_set(err, FF_ERR_INVALID,
					    "time.dst.bias_min: expected 0 to 120 minutes in "
					    "quarter hours");
		c->dst.bias_min = (int)json_integer_value(bias);
	}
	return FF_OK;
}

static ff_status parse_privacy(json_t *doc, fd_config *c, ff_error *err)
{
	static const char *const keys[] = {"preview", "image_type", "resolution", NULL};
	static const char *const previews[] = {"none", "static", "video", NULL};
	static const char *const types[] = {"monochrome", "pseudo_color", NULL};
	static const char *const resolutions[] = {"low", "high", NULL};
	json_t *o;
	int type = c->pseudo_color, res = c->high_resolution;
	ff_status st = get_object(doc, "", "privacy", &o, err);
	if (st || !o)
		return st;
	if ((st = fd_json_check_keys(o, "privacy", keys, err)) ||
	    (st = fd_json_choice(o, "privacy", "preview", previews, &c->preview, err)) ||
	    (st = fd_json_choice(o, "privacy", "image_type", types, &type, err)) ||
	    (st = fd_json_choice(o, "privacy", "resolution", resolutions, &res, err)))
		return st;
	c->pseudo_color = type;
	c->high_resolution = res;
	return FF_OK;
}

static ff_status parse_reset(json_t *doc, fd_config *c, ff_error *err)
{
	static const char *const keys[] = {"enabled", "time", NULL};
	json_t *o;
	char hhmm[8] = "";
	ff_status st = get_object(doc, "", "reset_schedule", &o, err);
	if (st || !o)
		return st;
	if ((st = fd_json_check_keys(o, "reset_schedule", keys, err)) ||
	    (st = fd_json_bool(o, "reset_schedule", "enabled", &c->reset_daily, err)) ||
	    (st = fd_json_string(o, "reset_schedule", "time", hhmm, sizeof hhmm, err)))
		return st;
	if (hhmm[0] && !parse_hhmm(hhmm, &c->reset_minute))
		return ff_error_set(err, FF_ERR_INVALID, "reset_schedule.time: expected HH:MM");
	return FF_OK;
}

static ff_status parse_network(json_t *doc, fd_config *c, ff_error *err)
{
	static const char *const keys[] = {"http_port", "https_enabled", "https_port", NULL};
	json_t *o;
	ff_status st = get_object(doc, "", "network", &o, err);
	if (st || !o)
		return st;
	fd_network *n = &c->network;
	if ((st = fd_json_check_keys(o, "network", keys, err)) ||
	    (st = fd_json_int(o, "network", "http_port", 1, 65535, &n->http_port, err)) ||
	    (st = fd_json_bool(o, "network", "https_enabled", &n->https_enabled, err)) ||
	    (st = fd_json_int(o, "network", "https_port", 1, 65535, &n->https_port, err)))
		return st;
	if (n->https_enabled && n->https_port == n->http_port)
		return ff_error_set(err, FF_ERR_INVALID,
				    "network.https_port: %d is the HTTP port already",
				    n->https_port);
	return FF_OK;
}

/* A reply topic the request topic matches would feed the device its own
 * replies; the plain case is refused here, wildcards by the API client. */
static ff_status parse_mqtt_api(json_t *doc, fd_config *c, ff_error *err)
{
	static const char *const keys[] = {
	    "enabled", "host",		"port",	       "client_id", "username",	    "password",
	    "tls",     "request_topic", "reply_topic", "qos",	    "password_set", NULL};
	static const char *const s = "mqtt_api";
	json_t *o;
	ff_status st = get_object(doc, "", s, &o, err);
	if (st || !o)
		return st;
	fd_mqtt_api *m = &c->mqtt_api;
	if ((st = fd_json_check_keys(o, s, keys, err)) ||
	    (st = fd_json_bool(o, s, "enabled", &m->enabled, err)) ||
	    (st = fd_json_string(o, s, "host", m->host, sizeof m->host, err)) ||
	    (st = fd_json_int(o, s, "port", 1, 65535, &m->port, err)) ||
	    (st = fd_json_string(o, s, "client_id", m->client_id, sizeof m->client_id, err)) ||
	    (st = fd_json_string(o, s, "username", m->username, sizeof m->username, err)) ||
	    (st = fd_json_password(o, s, "password", m->password, sizeof m->password,
				   &m->password_keep, err)) ||
	    (st = fd_json_bool(o, s, "tls", &m->tls, err)) ||
	    (st = fd_json_string(o, s, "request_topic", m->request_topic, sizeof m->request_topic,
				 err)) ||
	    (st =
		 fd_json_string(o, s, "reply_topic", m->reply_topic, sizeof m->reply_topic, err)) ||
	    (st = fd_json_int(o, s, "qos", 0, 2, &m->qos, err)))
		return st;
	if (m->enabled && !m->host[0])
		return ff_error_set(err, FF_ERR_INVALID, "mqtt_api.host: required when enabled");
	if (!m->request_topic[0])
		return ff_error_set(err, FF_ERR_INVALID, "mqtt_api.request_topic: required");
	if (!m->reply_topic[0] || strpbrk(m->reply_topic, "+#"))
		return ff_error_set(err, FF_ERR_INVALID,
				    "mqtt_api.reply_topic: required, without wildcards");
	if (!strcmp(m->request_topic, m->reply_topic))
		return ff_error_set(err, FF_ERR_INVALID,
				    "mqtt_api.reply_topic: must differ from request_topic");
	return FF_OK;
}

/* Ids are the recipients' names in the API, so they must be unique; a
 * recipient without one takes the smallest free id. */
static ff_status parse_recipients(json_t *doc, fd_config *c, ff_error *err)
{
	json_t *a = json_object_get(doc, "recipients");
	if (!a)
		return FF_OK;
	if (!json_is_array(a))
		return ff_error_set(err, FF_ERR_INVALID, "recipients: expected an array");
	if (json_array_size(a) > FD_MAX_RECIPIENTS)
		return ff_error_set(err, FF_ERR_LIMIT, "recipients: at most %d", FD_MAX_RECIPIENTS);
	c->nrecipients = (int)json_array_size(a);
	bool used[FD_MAX_RECIPIENTS + 1] = {false};
	for (int i = 0; i < c->nrecipients; i++) {
		char path[32];
		snprintf(path, sizeof path, "recipients[%d]", i);
		json_t *o = json_array_get(a, (size_t)i);
		ff_status st = fd_recipient_parse(o, path, &c->recipients[i], err);
		if (st)
			return st;
		json_t *id = json_object_get(o, "id");
		if (!id)
			continue;
		if (!json_is_integer(id) || json_integer_value(id) < 1 ||
		    json_integer_value(id) > FD_MAX_RECIPIENTS)
			return ff_error_set(err, FF_ERR_INVALID,
					    "%s.id: expected an integer from 1 to %d", path,
					    FD_MAX_RECIPIENTS);
		int v = (int)json_integer_value(id);
		if (used[v])
			return ff_error_set(err, FF_ERR_INVALID, "%s.id: %d is used twice", path,
					    v);
		used[v] = true;
		c->recipients[i].id = v;
	}
	for (int i = 0; i < c->nrecipients; i++)
		for (int v = 1; !c->recipients[i].id; v++)
			if (!used[v]) {
				used[v] = true;
				c->recipients[i].id = v;
			}
	return FF_OK;
}

ff_status fd_config_parse(const char *text, size_t len, fd_config *out, ff_error *err)
{
	static const char *const keys[] = {"device",	     "time",	 "privacy",
					   "reset_schedule", "rules",	 "recipients",
					   "network",	     "mqtt_api", NULL};
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return ff_error_set(err, FF_ERR_FORMAT, "config: line %d column %d: %s", jerr.line,
				    jerr.column, jerr.text);
	fd_config c;
	fd_config_default(&c, NULL);
	ff_status st = FF_OK;
	if (!json_is_object(doc))
		st = ff_error_set(err, FF_ERR_INVALID, "config: expected an object");
	if (!st && !json_object_get(doc, "rules"))
		st = ff_error_set(err, FF_ERR_INVALID, "rules: missing");
	if (!st && !json_is_object(json_object_get(doc, "rules")))
		st = ff_error_set(err, FF_ERR_INVALID, "rules: expected an object");
	if (!st)
		st = fd_json_check_keys(doc, "", keys, err);
	if (!st)
		st = parse_device(doc, &c, err);
	if (!st)
		st = parse_time(doc, &c, err);
	if (!st)
		st = parse_privacy(doc, &c, err);
	if (!st)
		st = parse_reset(doc, &c, err);
	if (!st)
		st = parse_recipients(doc, &c, err);
	if (!st)
		st = parse_network(doc, &c, err);
	if (!st)
		st = parse_mqtt_api(doc, &c, err);
	json_decref(doc);
	if (!st)
		st = ff_rules_parse(text, len, &c.rules, err);
	if (!st)
		*out = c;
	return st;
}

/* ---- Serialising --------------------------------------------------------- */

static json_t *switch_json(int month, int day, int minute)
{
	char buf[16];
	snprintf(buf, sizeof buf, "%02d-%02dT%02d:%02d", month % 100, day % 100, minute / 60 % 100,
		 minute % 60);
	return json_string(buf);
}

static json_t *mqtt_api_json(const fd_mqtt_api *m, bool secret)
{
	json_t *o = json_pack("{s:b,s:s,s:i,s:s,s:s,s:b,s:b,s:s,s:s,s:i}", "enabled", m->enabled,
			      "host", m->host, "port", m->port, "client_id", m->client_id,
			      "username", m->username, "password_set",
			      m->password[0] || m->password_keep, "tls", m->tls, "request_topic",
			      m->request_topic, "reply_topic", m->reply_topic, "qos", m->qos);
	if (o && secret && json_object_set_new(o, "password", json_string(m->password))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The document, with the passwords only when secret (the file). */
static ff_status config_json(const fd_config *c, bool secret, char **out, ff_error *err)
{
	static const char *const previews[] = {"none", "static", "video"};
	char tz[16], hhmm[8];
	char *rules_text = NULL;
	ff_status st = ff_rules_to_json(&c->rules, &rules_text, err);
	if (st)
		return st;
	json_t *rules = json_loads(rules_text, 0, NULL);
	free(rules_text);
	int off = c->utc_offset_min, aoff = off < 0 ? -off : off;
	snprintf(tz, sizeof tz, "%c%02d:%02d", off < 0 ? '-' : '+', aoff / 60 % 100, aoff % 60);
	snprintf(hhmm, sizeof hhmm, "%02d:%02d", c->reset_minute / 60 % 100, c->reset_minute % 60);
	json_t *doc =
	    json_pack("{s:{s:s,s:s,s:s}, s:{s:s,s:{s:b,s:o,s:o,s:i}},"
		      " s:{s:s,s:s,s:s}, s:{s:b,s:s}, s:o*}",
		      "device", "device_name", c->device_name, "cus_device_id", c->cus_device_id,
		      "cus_site_id", c->cus_site_id, "time", "time_zone", tz, "dst", "enabled",
		      c->dst.enabled, "start",
		      switch_json(c->dst.start_month, c->dst.start_day, c->dst.start_minute), "end",
		      switch_json(c->dst.end_month, c->dst.end_day, c->dst.end_minute), "bias_min",
		      c->dst.bias_min, "privacy", "preview", previews[c->preview % 3], "image_type",
		      c->pseudo_color ? "pseudo_color" : "monochrome", "resolution",
		      c->high_resolution ? "high" : "low", "reset_schedule", "enabled",
		      c->reset_daily, "time", hhmm, "rules", rules);
	json_t *recipients = json_array();
	for (int i = 0; recipients && i < c->nrecipients; i++)
		if (json_array_append_new(recipients,
					  secret ? fd_recipient_to_json_secret(&c->recipients[i])
						 : fd_recipient_to_json(&c->recipients[i]))) {
			json_decref(recipients);
			recipients = NULL;
		}
	json_t *network =
	    json_pack("{s:i,s:b,s:i}", "http_port", c->network.http_port, "https_enabled",
		      c->network.https_enabled, "https_port", c->network.https_port);
	json_t *api = mqtt_api_json(&c->mqtt_api, secret);
	bool ok = doc && rules && recipients && network && api &&
		  !json_object_set(doc, "recipients", recipients) &&
		  !json_object_set(doc, "network", network) &&
		  !json_object_set(doc, "mqtt_api", api);
	json_decref(network);
	json_decref(api);
	char *text =
	    ok ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
	       : NULL;
	json_decref(doc);
	json_decref(recipients);
	if (!text)
		return ff_error_set(err, FF_ERR_NOMEM, "config: out of memory");
	*out = text;
	return FF_OK;
}

ff_status fd_config_to_json(const fd_config *c, char **out, ff_error *err)
{
	return config_json(c, false, out, err);
}

void fd_config_keep_secrets(fd_config *c, const fd_config *old)
{
	for (int i = 0; i < c->nrecipients; i++) {
		fd_recipient *r = &c->recipients[i];
		if (!r->password_keep)
			continue;
		r->password_keep = false;
		for (int k = 0; old && k < old->nrecipients; k++)
			if (old->recipients[k].id == r->id)
				snprintf(r->password, sizeof r->password, "%s",
					 old->recipients[k].password);
	}
	if (c->mqtt_api.password_keep) {
		c->mqtt_api.password_keep = false;
		snprintf(c->mqtt_api.password, sizeof c->mqtt_api.password, "%s",
			 old ? old->mqtt_api.password : "");
	}
}

ff_status fd_config_load(const char *path, fd_config *out, ff_error *err)
{
	char *text;
	size_t len;
	ff_status st = fd_read_file(path, &text, &len, err);
	if (st)
		return st;
	ff_error perr;
	st = fd_config_parse(text, len, out, &perr);
	free(text);
	if (st)
		return ff_error_set(err, st, "%s: %s", path, perr.msg);
	/* The file holds every password there is. */
	fd_config_keep_secrets(out, NULL);
	return FF_OK;
}

ff_status fd_config_save(const char *path, const fd_config *c, ff_error *err)
{
	char *text;
	ff_status st = config_json(c, true, &text, err);
	if (st)
		return st;
	st = fd_write_atomic(path, text, strlen(text), err);
	free(text);
	return st;
}

/* ---- Time ---------------------------------------------------------------- */

static int year_position(int month, int day, int minute)
{
	return (month * 32 + day) * 1440 + minute;
}

void fd_config_time_info(const fd_config *c, double t, ff_time_info *out)
{
	ff_time_info_default(out);
	ff_time_info_set_offset(out, c->utc_offset_min);
	out->enable_dst = c->dst.enabled;
	if (!c->dst.enabled)
		return;
	time_t local = (time_t)t + c->utc_offset_min * 60;
	struct tm tm;
	if (!gmtime_r(&local, &tm))
		return;
	int now = year_position(tm.tm_mon + 1, tm.tm_mday, tm.tm_hour * 60 + tm.tm_min);
	int start = year_position(c->dst.start_month, c->dst.start_day, c->dst.start_minute);
	int end = year_position(c->dst.end_month, c->dst.end_day, c->dst.end_minute);
	bool active = start <= end ? now >= start && now < end : now >= start || now < end;
	if (active) {
		out->dst_status = true;
		out->utc_offset_min = c->utc_offset_min + c->dst.bias_min;
	}
}
