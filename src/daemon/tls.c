/*
 * tls.c - certificates: the HTTPS server's pair and the MQTT clients'
 * uploaded CA, certificate and key (guide 5.3.2, 5.6).
 *
 * Everything lives as PEM files in DATA/certs (0700):
 *
 *   server-cert.pem, server-key.pem     the HTTPS pair
 *   OWNER-ca.pem, OWNER-cert.pem,       an MQTT client's files, OWNER being
 *   OWNER-key.pem                       "recipient-ID" or "mqtt-api"
 *
 * Keys are written 0600 (fd_write_atomic), each file atomically, and a
 * file is only ever replaced by one that passed the same checks the
 * daemon relies on later: it parses, a key matches its certificate, a
 * certificate is valid now. So a bad upload changes nothing, and the
 * message names the field and the problem. Two files cannot be replaced in
 * one step; a crash between them leaves a key that does not match its
 * certificate, which the next start treats like a missing pair: it makes a
 * new self-signed one, so the device stays reachable.
 *
 * The self-signed certificate is EC P-256 (quick to make on a small
 * device), valid for ten years, with the device name as its common name and
 * the listening address, 127.0.0.1 and localhost as alternative names. The
 * HTTPS listener reads the pair once at start-up: a new pair is served
 * after a restart, which the replies say ("restart_required").
 *
 * The handlers take one lock around every read-check-write of the files,
 * so two uploads at the same time cannot mix their halves.
 *
 * GET /api/v1/network/status lives here too: it tells the ports in use
 * and whether the network settings or the certificate wait for a restart.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <jansson.h>
#include <mosquitto.h>

#include "daemon.h"
#include "http_internal.h"
#include "tls.h"

#define PATH_CAP 4300
#define SYSTEM_CAS "/etc/ssl/certs"
#define TEN_YEARS (10 * 365.25 * 86400)

static char certs_dir[PATH_CAP];
static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint generation;
/* What the HTTPS listener serves (set at start-up), to tell a client
 * whether the stored pair still waits for a restart. */
static char serving_fp[128];
static char serving_ip[64] = "127.0.0.1";
/* The network settings and ports the listeners were started with. */
static fd_network started_network;
static int started_http, started_https;

ff_status fd_tls_init(const char *data_dir, ff_error *err)
{
	if (!fd_path_join(certs_dir, sizeof certs_dir, data_dir, "certs"))
		return ff_error_set(err, FF_ERR_LIMIT, "%s/certs: path too long", data_dir);
	if (mkdir(certs_dir, 0700) && errno != EEXIST)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", certs_dir, strerror(errno));
	return FF_OK;
}

unsigned fd_tls_generation(void)
{
	return atomic_load(&generation);
}

static bool cert_path(char *buf, const char *owner, const char *kind)
{
	char name[96];
	snprintf(name, sizeof name, "%s-%s.pem", owner, kind);
	return certs_dir[0] && fd_path_join(buf, PATH_CAP, certs_dir, name);
}

/* ---- Parsing and checking ------------------------------------------------ */

static gnutls_datum_t datum_of(const char *pem)
{
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned)strlen(pem)};
	return d;
}

static void free_certs(gnutls_x509_crt_t *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
}

/* One or more certificates (a chain or a CA bundle); the first is the one
 * a pair's key belongs to. */
static ff_status import_certs(const char *field, const char *pem, gnutls_x509_crt_t **list,
			      unsigned *n, ff_error *err)
{
	gnutls_datum_t d = datum_of(pem);
	*list = NULL;
	*n = 0;
	int rc = gnutls_x509_crt_list_import2(list, n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0 || *n == 0)
		return ff_error_set(err, FF_ERR_INVALID, "%s: not a PEM X.509 certificate (%s)",
				    field, rc < 0 ? gnutls_strerror(rc) : "none found");
	return FF_OK;
}

static ff_status import_key(const char *field, const char *pem, gnutls_x509_privkey_t *key,
			    ff_error *err)
{
	gnutls_datum_t d = datum_of(pem);
	if (gnutls_x509_privkey_init(key) < 0)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", field);
	int rc =
	    gnutls_x509_privkey_import2(*key, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN);
	if (rc < 0) {
		gnutls_x509_privkey_deinit(*key);
		return ff_error_set(err, FF_ERR_INVALID,
				    "%s: not an unencrypted PEM private key (%s)", field,
				    gnutls_strerror(rc));
	}
	return FF_OK;
}

static void format_time(time_t t, char *buf, size_t cap)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "?");
}

static ff_status check_time(const char *field, gnutls_x509_crt_t crt, ff_error *err)
{
	time_t now = time(NULL), from = gnutls_x509_crt_get_activation_time(crt),
	       to = gnutls_x509_crt_get_expiration_time(crt);
	char when[32];
	if (to != (time_t)-1 && to < now) {
		format_time(to, when, sizeof when);
		return ff_error_set(err, FF_ERR_INVALID, "%s: expired on %s", field, when);
	}
	if (from != (time_t)-1 && from > now) {
		format_time(from, when, sizeof when);
		return ff_error_set(err, FF_ERR_INVALID, "%s: not valid before %s", field, when);
	}
	return FF_OK;
}

/* A certificate (chain) and its key: both parse, the key is the first
 * certificate's, and (with_time) the certificate is valid now. */
static ff_status check_pair(const char *cert_field, const char *cert_pem, const char *key_field,
			    const char *key_pem, bool with_time, ff_error *err)
{
	gnutls_x509_crt_t *list;
	unsigned n;
	gnutls_x509_privkey_t key;
	ff_status st = import_certs(cert_field, cert_pem, &list, &n, err);
	if (st)
		return st;
	st = import_key(key_field, key_pem, &key, err);
	if (st) {
		free_certs(list, n);
		return st;
	}
	unsigned char a[64], b[64];
	size_t na = sizeof a, nb = sizeof b;
	if (gnutls_x509_crt_get_key_id(list[0], GNUTLS_KEYID_USE_SHA256, a, &na) < 0 ||
	    gnutls_x509_privkey_get_key_id(key, GNUTLS_KEYID_USE_SHA256, b, &nb) < 0 || na != nb ||
	    memcmp(a, b, na))
		st = ff_error_set(err, FF_ERR_INVALID, "%s: does not match the %s", key_field,
				  cert_field);
	if (!st && with_time)
		st = check_time(cert_field, list[0], err);
	gnutls_x509_privkey_deinit(key);
	free_certs(list, n);
	return st;
}

static ff_status check_ca(const char *field, const char *pem, ff_error *err)
{
	gnutls_x509_crt_t *list;
	unsigned n;
	ff_status st = import_certs(field, pem, &list, &n, err);
	for (unsigned i = 0; !st && i < n; i++)
		st = check_time(field, list[i], err);
	if (n)
		free_certs(list, n);
	return st;
}

/* "AB:CD:..." of the certificate's SHA-256. */
static void fingerprint(gnutls_x509_crt_t crt, char *out, size_t cap)
{
	unsigned char fp[32];
	size_t n = sizeof fp;
	out[0] = '\0';
	if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n) < 0)
		return;
	for (size_t i = 0; i < n && 3 * i + 3 <= cap; i++)
		snprintf(out + 3 * i, cap - 3 * i, "%02X%s", fp[i], i + 1 < n ? ":" : "");
}

static json_t *dn_json(gnutls_x509_crt_t crt, bool issuer)
{
	gnutls_datum_t d = {NULL, 0};
	int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &d, 0)
			: gnutls_x509_crt_get_dn3(crt, &d, 0);
	json_t *s = json_string(rc < 0 ? "" : (const char *)d.data);
	gnutls_free(d.data);
	return s;
}

static json_t *san_json(gnutls_x509_crt_t crt)
{
	json_t *a = json_array();
	for (unsigned i = 0; a; i++) {
		char san[256];
		size_t n = sizeof san - 1;
		unsigned critical;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, i, san, &n, &critical);
		if (type < 0)
			break;
		char text[INET6_ADDRSTRLEN + 8];
		if (type == GNUTLS_SAN_IPADDRESS) {
			if (!inet_ntop(n == 4 ? AF_INET : AF_INET6, san, text, sizeof text))
				continue;
			json_array_append_new(a, json_pack("s++", "IP:", text, ""));
		} else if (type == GNUTLS_SAN_DNSNAME) {
			san[n] = '\0';
			json_array_append_new(a, json_pack("s++", "DNS:", san, ""));
		}
	}
	return a;
}

/* What a client needs to know of a certificate (the first of a chain). */
static json_t *cert_info(const char *pem)
{
	gnutls_x509_crt_t *list;
	unsigned n;
	ff_error err;
	if (import_certs("certificate", pem, &list, &n, &err))
		return NULL;
	char from[32], to[32], fp[100];
	format_time(gnutls_x509_crt_get_activation_time(list[0]), from, sizeof from);
	format_time(gnutls_x509_crt_get_expiration_time(list[0]), to, sizeof to);
	fingerprint(list[0], fp, sizeof fp);
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(list[0], &bits);
	const char *pk_name =
	    pk < 0 ? NULL : gnutls_pk_algorithm_get_name((gnutls_pk_algorithm_t)pk);
	json_t *o =
	    json_pack("{s:o,s:o,s:s,s:s,s:s,s:b,s:o,s:s,s:i,s:i}", "subject",
		      dn_json(list[0], false), "issuer", dn_json(list[0], true), "not_before", from,
		      "not_after", to, "fingerprint_sha256", fp, "self_signed",
		      gnutls_x509_crt_check_issuer(list[0], list[0]) != 0, "subject_alt_names",
		      san_json(list[0]), "key_type", pk_name ? pk_name : "unknown", "key_bits",
		      (int)bits, "chain_length", (int)n);
	free_certs(list, n);
	return o;
}

static bool fingerprint_of(const char *pem, char *out, size_t cap)
{
	gnutls_x509_crt_t *list;
	unsigned n;
	ff_error err;
	if (import_certs("certificate", pem, &list, &n, &err))
		return false;
	fingerprint(list[0], out, cap);
	free_certs(list, n);
	return true;
}

/* ---- The server's pair --------------------------------------------------- */

static ff_status gnutls_failed(const char *what, int rc, ff_error *err)
{
	return ff_error_set(err, FF_ERR_IO, "self-signed certificate: %s: %s", what,
			    gnutls_strerror(rc));
}

static ff_status export_pem(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key, char **cert,
			    char **pkey, ff_error *err)
{
	gnutls_datum_t c = {NULL, 0}, k = {NULL, 0};
	int rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c);
	if (rc >= 0)
		rc = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
						       GNUTLS_PKCS_PLAIN, &k);
	ff_status st = FF_OK;
	if (rc < 0)
		st = gnutls_failed("export", rc, err);
	else if (!(*cert = strndup((const char *)c.data, c.size)) ||
		 !(*pkey = strndup((const char *)k.data, k.size))) {
		free(*cert);
		*cert = NULL;
		st = ff_error_set(err, FF_ERR_NOMEM, "self-signed certificate: out of memory");
	}
	gnutls_free(c.data);
	if (k.data)
		gnutls_memset(k.data, 0, k.size);
	gnutls_free(k.data);
	return st;
}

static ff_status self_signed(const char *cn, const char *ip, char **cert, char **pkey,
			     ff_error *err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	unsigned char serial[16], id[64], loop[4] = {127, 0, 0, 1}, addr[4];
	size_t idlen = sizeof id;
	time_t now = time(NULL);
	int rc;
	const char *what = "key";
	if ((rc = gnutls_x509_privkey_init(&key)) < 0 ||
	    (rc = gnutls_x509_privkey_generate(
		 key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0)
		goto out;
	what = "certificate";
	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
		goto out;
	serial[0] &= 0x7f; /* a positive serial number */
	if ((rc = gnutls_x509_crt_init(&crt)) < 0 ||
	    (rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)TEN_YEARS)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
						(unsigned)strlen(cn))) < 0 ||
	    (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (rc = gnutls_x509_crt_get_key_id(crt, 0, id, &idlen)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(crt, id, idlen)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
						       GNUTLS_FSAN_APPEND)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, loop, 4,
						       GNUTLS_FSAN_APPEND)) < 0)
		goto out;
	/* The listening address too, unless it is loopback or "any". */
	if (inet_pton(AF_INET, ip, addr) == 1 && memcmp(addr, loop, 4) &&
	    memcmp(addr, "\0\0\0\0", 4) &&
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, addr, 4,
						       GNUTLS_FSAN_APPEND)) < 0)
		goto out;
	what = "signature";
	rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
out:;
	ff_status st =
	    rc < 0 ? gnutls_failed(what, rc, err) : export_pem(crt, key, cert, pkey, err);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return st;
}

/* Key first: a crash in between leaves a mismatch, never a key that a
 * stranger's certificate would go with. */
static ff_status store_pair(const char *cert_path_, const char *cert, const char *key_path,
			    const char *key, ff_error *err)
{
	ff_status st = fd_write_atomic(key_path, key, strlen(key), err);
	if (!st)
		st = fd_write_atomic(cert_path_, cert, strlen(cert), err);
	return st;
}

/* Reads a file that may be missing (NULL then, and FF_OK). */
static ff_status read_optional(const char *path, char **out, ff_error *err)
{
	size_t len;
	ff_status st = fd_read_file(path, out, &len, err);
	if (st == FF_ERR_END) {
		*out = NULL;
		return FF_OK;
	}
	return st;
}

static ff_status make_server_pair(const char *cn, const char *ip, char **cert, char **key,
				  ff_error *err)
{
	char cp[PATH_CAP], kp[PATH_CAP];
	if (!cert_path(cp, "server", "cert") || !cert_path(kp, "server", "key"))
		return ff_error_set(err, FF_ERR_STATE, "certificates: no directory");
	ff_status st = self_signed(cn, ip, cert, key, err);
	if (!st && (st = store_pair(cp, *cert, kp, *key, err))) {
		free(*cert);
		free(*key);
		*cert = *key = NULL;
	}
	if (!st)
		fd_log(FD_LOG_INFO, "made a self-signed certificate for '%s' in %s", cn, cp);
	return st;
}

ff_status fd_tls_server_pair(const char *cn, const char *ip, char **cert, char **key, ff_error *err)
{
	char cp[PATH_CAP], kp[PATH_CAP];
	if (!cert_path(cp, "server", "cert") || !cert_path(kp, "server", "key"))
		return ff_error_set(err, FF_ERR_STATE, "certificates: fd_tls_init first");
	pthread_mutex_lock(&files_lock);
	snprintf(serving_ip, sizeof serving_ip, "%s", ip);
	*cert = *key = NULL;
	ff_status st = read_optional(cp, cert, err);
	if (!st)
		st = read_optional(kp, key, err);
	ff_error perr;
	bool usable = !st && *cert && *key &&
		      !check_pair("certificate", *cert, "private_key", *key, false, &perr);
	if (!st && !usable) {
		if (*cert || *key)
			fd_log(FD_LOG_ERROR, "%s: %s; making a new self-signed pair", cp,
			       *cert && *key ? perr.msg : "half of the pair is missing");
		free(*cert);
		free(*key);
		*cert = *key = NULL;
		st = make_server_pair(cn, ip, cert, key, err);
	} else if (!st && check_pair("certificate", *cert, "private_key", *key, true, &perr)) {
		fd_log(FD_LOG_WARN, "%s: %s; served anyway until a new one is uploaded or made", cp,
		       perr.msg);
	}
	if (!st)
		fingerprint_of(*cert, serving_fp, sizeof serving_fp);
	pthread_mutex_unlock(&files_lock);
	if (st) {
		free(*cert);
		free(*key);
	}
	return st;
}

/* ---- MQTT clients' files ------------------------------------------------- */

static bool file_exists(const char *path)
{
	return access(path, R_OK) == 0;
}

ff_status fd_tls_mosquitto(struct mosquitto *m, const char *owner, ff_error *err)
{
	char ca[PATH_CAP], crt[PATH_CAP], key[PATH_CAP];
	bool have = cert_path(ca, owner, "ca") && cert_path(crt, owner, "cert") &&
		    cert_path(key, owner, "key");
	bool has_ca = have && file_exists(ca);
	bool has_pair = have && file_exists(crt) && file_exists(key);
	int rc = mosquitto_tls_set(m, has_ca ? ca : NULL, has_ca ? NULL : SYSTEM_CAS,
				   has_pair ? crt : NULL, has_pair ? key : NULL, NULL);
	if (rc)
		return ff_error_set(err, FF_ERR_INVALID, "MQTT TLS (%s): %s", owner,
				    mosquitto_strerror(rc));
	return FF_OK;
}

void fd_tls_forget(const char *owner)
{
	static const char *const kinds[] = {"ca", "cert", "key"};
	bool removed = false;
	pthread_mutex_lock(&files_lock);
	for (size_t i = 0; i < 3; i++) {
		char path[PATH_CAP];
		if (cert_path(path, owner, kinds[i]) && !unlink(path))
			removed = true;
	}
	pthread_mutex_unlock(&files_lock);
	if (removed)
		atomic_fetch_add(&generation, 1);
}

/* ---- HTTP ---------------------------------------------------------------- */

/* The stored server certificate, with whether the listener serves it. */
static json_t *server_info(ff_error *err)
{
	char cp[PATH_CAP];
	char *pem = NULL;
	size_t len;
	if (!cert_path(cp, "server", "cert")) {
		ff_error_set(err, FF_ERR_STATE, "certificates: no directory");
		return NULL;
	}
	if (fd_read_file(cp, &pem, &len, err))
		return NULL;
	char fp[128] = "";
	json_t *o = cert_info(pem);
	fingerprint_of(pem, fp, sizeof fp);
	free(pem);
	if (!o) {
		ff_error_set(err, FF_ERR_FORMAT, "%s: unreadable", cp);
		return NULL;
	}
	json_object_set_new(o, "restart_required", json_boolean(strcmp(fp, serving_fp) != 0));
	return o;
}

static enum MHD_Result reply_server(fd_req *r)
{
	ff_error err = {0};
	json_t *o = server_info(&err);
	if (!o)
		return fd_reply_error(r, 500, "certificate: %s", err.msg);
	return fd_reply_obj(r, 200, o);
}

enum MHD_Result fd_h_certificate_get(fd_req *r)
{
	pthread_mutex_lock(&files_lock);
	enum MHD_Result ret = reply_server(r);
	pthread_mutex_unlock(&files_lock);
	return ret;
}

enum MHD_Result fd_h_certificate_put(fd_req *r)
{
	static const char *const keys[] = {"certificate", "private_key", NULL};
	enum MHD_Result sent;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	const char *cert = fd_str_field(b, "certificate"), *key = fd_str_field(b, "private_key");
	char cp[PATH_CAP], kp[PATH_CAP];
	ff_error err = {0};
	ff_status st = fd_json_check_keys(b, "", keys, &err);
	if (!st && !cert)
		st = ff_error_set(&err, FF_ERR_INVALID, "certificate: a PEM string is required");
	if (!st && !key)
		st = ff_error_set(&err, FF_ERR_INVALID, "private_key: a PEM string is required");
	if (!st)
		st = check_pair("certificate", cert, "private_key", key, true, &err);
	enum MHD_Result ret;
	pthread_mutex_lock(&files_lock);
	if (!st && (!cert_path(cp, "server", "cert") || !cert_path(kp, "server", "key")))
		st = ff_error_set(&err, FF_ERR_STATE, "certificates: no directory");
	if (!st)
		st = store_pair(cp, cert, kp, key, &err);
	if (st) {
		ret = fd_reply_error(r, fd_http_status_of(st), "%s", err.msg);
	} else {
		fd_log(FD_LOG_INFO, "HTTPS certificate uploaded by %s (served after a restart)",
		       r->username);
		ret = reply_server(r);
	}
	pthread_mutex_unlock(&files_lock);
	json_decref(b);
	return ret;
}

enum MHD_Result fd_h_certificate_regenerate(fd_req *r)
{
	fd_config *cfg = malloc(sizeof *cfg);
	if (!cfg)
		return fd_reply_json(r, 500, NULL);
	fd_current_config(r->d, cfg);
	char *cert = NULL, *key = NULL;
	ff_error err = {0};
	pthread_mutex_lock(&files_lock);
	ff_status st = make_server_pair(cfg->device_name, serving_ip, &cert, &key, &err);
	enum MHD_Result ret =
	    st ? fd_reply_error(r, fd_http_status_of(st), "%s", err.msg) : reply_server(r);
	pthread_mutex_unlock(&files_lock);
	free(cfg);
	free(cert);
	free(key);
	return ret;
}

static json_t *owner_info(const char *owner)
{
	static const char *const kinds[] = {"ca", "cert", "key"};
	static const char *const names[] = {"ca", "certificate", "private_key"};
	json_t *o = json_object();
	for (size_t i = 0; o && i < 3; i++) {
		char path[PATH_CAP];
		char *pem = NULL;
		size_t len;
		ff_error err;
		json_t *v = json_null();
		if (cert_path(path, owner, kinds[i]) && !fd_read_file(path, &pem, &len, &err)) {
			json_decref(v);
			v = i == 2 ? json_true() : cert_info(pem);
			free(pem);
		}
		if (json_object_set_new(o, names[i], v ? v : json_null())) {
			json_decref(o);
			o = NULL;
		}
	}
	return o;
}

/* The uploaded files of owner; "private_key" only says whether there is
 * one. */
static enum MHD_Result certs_get(fd_req *r, const char *owner)
{
	pthread_mutex_lock(&files_lock);
	json_t *o = owner_info(owner);
	pthread_mutex_unlock(&files_lock);
	return fd_reply_obj(r, 200, o);
}

/* Validates every given field before anything is written: a field that is
 * missing stays, null removes, a PEM string replaces. The certificate and
 * its key go together. */
static enum MHD_Result certs_put(fd_req *r, const char *owner)
{
	static const char *const keys[] = {"ca", "certificate", "private_key", NULL};
	static const char *const kinds[] = {"ca", "cert", "key"};
	enum MHD_Result sent;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	json_t *v[3];
	for (size_t i = 0; i < 3; i++)
		v[i] = json_object_get(b, keys[i]);
	ff_error err = {0};
	ff_status st = fd_json_check_keys(b, "", keys, &err);
	for (size_t i = 0; !st && i < 3; i++)
		if (v[i] && !json_is_null(v[i]) && !json_is_string(v[i]))
			st = ff_error_set(&err, FF_ERR_INVALID, "%s: expected a PEM string or null",
					  keys[i]);
	if (!st && (!v[1] != !v[2] || json_is_null(v[1]) != json_is_null(v[2])))
		st = ff_error_set(&err, FF_ERR_INVALID,
				  "certificate, private_key: give both or neither (null removes "
				  "both)");
	if (!st && json_is_string(v[0]))
		st = check_ca("ca", json_string_value(v[0]), &err);
	if (!st && json_is_string(v[1]))
		st = check_pair("certificate", json_string_value(v[1]), "private_key",
				json_string_value(v[2]), true, &err);
	pthread_mutex_lock(&files_lock);
	for (size_t k = 0; !st && k < 3; k++) {
		size_t i = 2 - k; /* the key first, as for the server's pair */
		char path[PATH_CAP];
		if (!v[i])
			continue;
		if (!cert_path(path, owner, kinds[i]))
			st = ff_error_set(&err, FF_ERR_STATE, "certificates: no directory");
		else if (json_is_string(v[i]))
			st = fd_write_atomic(path, json_string_value(v[i]),
					     json_string_length(v[i]), &err);
		else if (unlink(path) && errno != ENOENT)
			st = ff_error_set(&err, FF_ERR_IO, "%s: %s", path, strerror(errno));
	}
	json_t *o = st ? NULL : owner_info(owner);
	pthread_mutex_unlock(&files_lock);
	json_decref(b);
	if (st)
		return fd_reply_error(r, fd_http_status_of(st), "%s", err.msg);
	atomic_fetch_add(&generation, 1);
	fd_log(FD_LOG_INFO, "TLS files of %s changed by %s", owner, r->username);
	return fd_reply_obj(r, 200, o);
}

/* "recipient-ID" of recipient {id}; false when there is none. */
static bool recipient_owner(fd_req *r, char *owner, size_t cap)
{
	fd_config *cfg = malloc(sizeof *cfg);
	if (!cfg)
		return false;
	fd_current_config(r->d, cfg);
	char *end;
	long id = strtol(r->param, &end, 10);
	bool found = false;
	for (int i = 0; !*end && end != r->param && i < cfg->nrecipients && !found; i++)
		found = cfg->recipients[i].id == id;
	free(cfg);
	snprintf(owner, cap, "recipient-%ld", id);
	return found;
}

enum MHD_Result fd_h_recipient_certs_get(fd_req *r)
{
	char owner[48];
	if (!recipient_owner(r, owner, sizeof owner))
		return fd_reply_error(r, 404, "recipient %s: no such recipient", r->param);
	return certs_get(r, owner);
}

enum MHD_Result fd_h_recipient_certs_put(fd_req *r)
{
	char owner[48];
	if (!recipient_owner(r, owner, sizeof owner))
		return fd_reply_error(r, 404, "recipient %s: no such recipient", r->param);
	return certs_put(r, owner);
}

enum MHD_Result fd_h_mqttapi_certs_get(fd_req *r)
{
	return certs_get(r, "mqtt-api");
}

enum MHD_Result fd_h_mqttapi_certs_put(fd_req *r)
{
	return certs_put(r, "mqtt-api");
}

void fd_tls_listeners(const fd_network *configured, int http_port, int https_port)
{
	pthread_mutex_lock(&files_lock);
	started_network = *configured;
	started_http = http_port;
	started_https = https_port;
	pthread_mutex_unlock(&files_lock);
}

enum MHD_Result fd_h_network_status(fd_req *r)
{
	fd_config *cfg = malloc(sizeof *cfg);
	if (!cfg)
		return fd_reply_json(r, 500, NULL);
	fd_current_config(r->d, cfg);
	ff_error err = {0};
	pthread_mutex_lock(&files_lock);
	const fd_network *n = &cfg->network, *s = &started_network;
	bool changed = n->http_port != s->http_port || n->https_enabled != s->https_enabled ||
		       n->https_port != s->https_port;
	int http_port = started_http, https_port = started_https;
	json_t *cert = server_info(&err);
	pthread_mutex_unlock(&files_lock);
	free(cfg);
	bool new_cert = cert && json_is_true(json_object_get(cert, "restart_required"));
	json_decref(cert);
	return fd_reply_obj(r, 200,
			    json_pack("{s:i,s:b,s:o,s:b,s:b,s:b}", "http_port", http_port, "https",
				      https_port != 0, "https_port",
				      https_port ? json_integer(https_port) : json_null(),
				      "restart_required", changed || new_cert, "network_changed",
				      changed, "certificate_changed", new_cert));
}
