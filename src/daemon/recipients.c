/*
 * recipients.c - push recipients in the configuration document.
 *
 *   {"id": 1, "enabled": true, "name": "", "type": "http"|"mqtt",
 *    "url", "username", "password",                      (HTTP(S), URL)
 *    "host", "port", "client_id", "topic", "qos", "tls", (MQTT(S))
 *    "trigger_reports", "periodic_reports",
 *    "periodic_scheme": "on_the_dot"|"from_now_on", "period_min",
 *    "retransmission", "content": {ff_report_content's checkboxes}}
 *
 * "status" (delivery state, added by the API) is read-only: accepted and
 * ignored, so that a client can send back what it read. So is
 * "password_set": the API never shows a password, only whether there is
 * one, and a recipient sent without "password" keeps the stored one (""
 * clears it, and so does "password_set": false, so that what was read
 * reads back the same). Only the configuration file holds the password.
 *
 * One flat object per recipient: the guide's page is one form per
 * recipient, and a flat object keeps a field's name and its place in an
 * error message the same ("recipients[2].qos"). The fields of the other
 * protocol are kept, so switching a recipient back and forth in the web
 * page loses nothing. The content selection is a table of the checkboxes
 * by name, so parse and serialise cannot disagree about a field.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "daemon.h"

typedef struct content_field {
	const char *name;
	size_t offset;
} content_field;

static const content_field content_fields[] = {
    {"device_info", offsetof(ff_report_content, device_info)},
    {"device_name", offsetof(ff_report_content, device_name)},
    {"device_sn", offsetof(ff_report_content, device_sn)},
    {"device_mac", offsetof(ff_report_content, device_mac)},
    {"ip_address", offsetof(ff_report_content, ip_address)},
    {"cus_device_id", offsetof(ff_report_content, cus_device_id)},
    {"cus_site_id", offsetof(ff_report_content, cus_site_id)},
    {"running_time", offsetof(ff_report_content, running_time)},
    {"firmware_version", offsetof(ff_report_content, firmware_version)},
    {"hardware_version", offsetof(ff_report_content, hardware_version)},
    {"time_info", offsetof(ff_report_content, time_info)},
    {"trigger_time", offsetof(ff_report_content, trigger_time)},
    {"start_time", offsetof(ff_report_content, start_time)},
    {"end_time", offsetof(ff_report_content, end_time)},
    {"time_zone", offsetof(ff_report_content, time_zone)},
    {"dst_enable", offsetof(ff_report_content, dst_enable)},
    {"dst_status", offsetof(ff_report_content, dst_status)},
    {"line_trigger_data", offsetof(ff_report_content, line_trigger_data)},
    {"region_trigger_data", offsetof(ff_report_content, region_trigger_data)},
    {"region_count_data", offsetof(ff_report_content, region_count_data)},
    {"dwell_time_data", offsetof(ff_report_content, dwell_time_data)},
    {"dwell_start_time", offsetof(ff_report_content, dwell_start_time)},
    {"line_periodic_data", offsetof(ff_report_content, line_periodic_data)},
    {"line_total_data", offsetof(ff_report_content, line_total_data)},
    {"line_count_data", offsetof(ff_report_content, line_count_data)},
    {"capacity_counted", offsetof(ff_report_content, capacity_counted)},
    {"region_periodic_data", offsetof(ff_report_content, region_periodic_data)},
    {"names", offsetof(ff_report_content, names)},
    {"uuids", offsetof(ff_report_content, uuids)},
};
#define NCONTENT (sizeof content_fields / sizeof content_fields[0])

static bool *content_flag(ff_report_content *c, size_t i)
{
	return (bool *)((char *)c + content_fields[i].offset);
}

static bool content_get(const ff_report_content *c, size_t i)
{
	return *(const bool *)((const char *)c + content_fields[i].offset);
}

void fd_recipient_default(fd_recipient *r)
{
	memset(r, 0, sizeof *r);
	r->enabled = true;
	r->proto = FD_PROTO_HTTP;
	r->port = 1883;
	r->qos = 1;
	r->trigger_reports = true;
	r->scheme = FD_SCHEME_ON_THE_DOT;
	r->period_min = 5;
	r->retransmission = true;
	ff_report_content_all(&r->content);
}

static ff_status parse_content(json_t *o, const char *path, ff_report_content *c, ff_error *err)
{
	json_t *v = json_object_get(o, "content");
	if (!v)
		return FF_OK;
	if (!json_is_object(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s.content: expected an object", path);
	const char *key;
	json_t *flag;
	json_object_foreach(v, key, flag)
	{
		size_t i = 0;
		while (i < NCONTENT && strcmp(content_fields[i].name, key))
			i++;
		if (i == NCONTENT)
			return ff_error_set(err, FF_ERR_INVALID, "%s.content.%s: unknown key", path,
					    key);
		if (!json_is_boolean(flag))
			return ff_error_set(err, FF_ERR_INVALID,
					    "%s.content.%s: expected true or false", path, key);
		*content_flag(c, i) = json_is_true(flag);
	}
	return FF_OK;
}

static bool url_ok(const char *url)
{
	const char *rest = !strncmp(url, "http://", 7)	  ? url + 7
			   : !strncmp(url, "https://", 8) ? url + 8
							  : NULL;
	return rest && *rest && *rest != '/';
}

ff_status fd_recipient_parse(json_t *o, const char *path, fd_recipient *out, ff_error *err)
{
	if (!json_is_object(o))
		return ff_error_set(err, FF_ERR_INVALID, "%s: expected an object", path);
	static const char *const keys[] = {"id",
					   "enabled",
					   "name",
					   "type",
					   "url",
					   "username",
					   "password",
					   "host",
					   "port",
					   "client_id",
					   "topic",
					   "qos",
					   "tls",
					   "content",
					   "trigger_reports",
					   "periodic_reports",
					   "periodic_scheme",
					   "period_min",
					   "retransmission",
					   "status",
					   "password_set",
					   NULL};
	static const char *const protos[] = {"http", "mqtt", NULL};
	static const char *const schemes[] = {"on_the_dot", "from_now_on", NULL};
	fd_recipient r;
	fd_recipient_default(&r);
	int proto = r.proto, scheme = r.scheme;
	ff_status st;
	if ((st = fd_json_check_keys(o, path, keys, err)) ||
	    (st = fd_json_bool(o, path, "enabled", &r.enabled, err)) ||
	    (st = fd_json_string(o, path, "name", r.name, sizeof r.name, err)) ||
	    (st = fd_json_choice(o, path, "type", protos, &proto, err)) ||
	    (st = fd_json_string(o, path, "url", r.url, sizeof r.url, err)) ||
	    (st = fd_json_string(o, path, "username", r.username, sizeof r.username, err)) ||
	    (st = fd_json_password(o, path, "password", r.password, sizeof r.password,
				   &r.password_keep, err)) ||
	    (st = fd_json_string(o, path, "host", r.host, sizeof r.host, err)) ||
	    (st = fd_json_int(o, path, "port", 1, 65535, &r.port, err)) ||
	    (st = fd_json_string(o, path, "client_id", r.client_id, sizeof r.client_id, err)) ||
	    (st = fd_json_string(o, path, "topic", r.topic, sizeof r.topic, err)) ||
	    (st = fd_json_int(o, path, "qos", 0, 2, &r.qos, err)) ||
	    (st = fd_json_bool(o, path, "tls", &r.tls, err)) ||
	    (st = fd_json_bool(o, path, "trigger_reports", &r.trigger_reports, err)) ||
	    (st = fd_json_bool(o, path, "periodic_reports", &r.periodic_reports, err)) ||
	    (st = fd_json_choice(o, path, "periodic_scheme", schemes, &scheme, err)) ||
	    (st = fd_json_int(o, path, "period_min", 1, 1440, &r.period_min, err)) ||
	    (st = fd_json_bool(o, path, "retransmission", &r.retransmission, err)) ||
	    (st = parse_content(o, path, &r.content, err)))
		return st;
	r.proto = (fd_proto)proto;
	r.scheme = (fd_scheme)scheme;
	if (r.proto == FD_PROTO_HTTP && !url_ok(r.url))
		return ff_error_set(err, FF_ERR_INVALID,
				    "%s.url: an http:// or https:// URL with a host is required",
				    path);
	if (r.proto == FD_PROTO_MQTT && !r.host[0])
		return ff_error_set(err, FF_ERR_INVALID, "%s.host: required for MQTT", path);
	if (r.proto == FD_PROTO_MQTT && (!r.topic[0] || strpbrk(r.topic, "+#")))
		return ff_error_set(err, FF_ERR_INVALID,
				    "%s.topic: required for MQTT, without wildcards", path);
	*out = r;
	return FF_OK;
}

static json_t *recipient_json(const fd_recipient *r, bool secret)
{
	json_t *content = json_object();
	for (size_t i = 0; content && i < NCONTENT; i++)
		json_object_set_new(content, content_fields[i].name,
				    json_boolean(content_get(&r->content, i)));
	json_t *o = json_pack(
	    "{s:i,s:b,s:s,s:s,s:s,s:s,s:b,s:s,s:i,s:s,s:s,s:i,s:b,s:b,s:b,s:s,s:i,"
	    "s:b,s:o*}",
	    "id", r->id, "enabled", r->enabled, "name", r->name, "type",
	    r->proto == FD_PROTO_MQTT ? "mqtt" : "http", "url", r->url, "username", r->username,
	    "password_set", r->password[0] || r->password_keep, "host", r->host, "port", r->port,
	    "client_id", r->client_id, "topic", r->topic, "qos", r->qos, "tls", r->tls,
	    "trigger_reports", r->trigger_reports, "periodic_reports", r->periodic_reports,
	    "periodic_scheme", r->scheme == FD_SCHEME_FROM_NOW_ON ? "from_now_on" : "on_the_dot",
	    "period_min", r->period_min, "retransmission", r->retransmission, "content", content);
	if (o && secret && json_object_set_new(o, "password", json_string(r->password))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *fd_recipient_to_json(const fd_recipient *r)
{
	return recipient_json(r, false);
}

json_t *fd_recipient_to_json_secret(const fd_recipient *r)
{
	return recipient_json(r, true);
}
