/*
 * users.c - activation, accounts, sessions and login lockout.
 *
 * A factory-new device has no users: it is "not activated" until someone
 * sets the admin password and three security questions (guide section 4).
 * After that there is the admin and up to FD_MAX_USERS - 1 viewers.
 *
 * Passwords and security answers are stored only as argon2id hashes
 * (libsodium's crypto_pwhash_str, which embeds salt and parameters). The
 * cost is fixed at 5 passes over 7 MiB, one of OWASP's equivalent argon2id
 * settings: as expensive to guess from a stolen file as 2 passes over
 * 19 MiB, but two logins hashing at once stay well inside the device's
 * 48 MB memory budget (19 MiB took the daemon's peak to 58 MB), and a
 * login still takes tens of milliseconds. Answers are compared after
 * trimming and lower-casing, as people do not remember the capitalisation
 * of their answers. New questions (the System page) need the admin
 * password, and a wrong one counts towards the lockout like a failed login.
 *
 * Hashing is slow on purpose, so it never runs under the lock: a login
 * copies the stored hash, verifies outside, and locks again to record the
 * outcome. The user file is rewritten atomically on every change.
 *
 * Sessions live in memory only (a restart logs everyone out): a 256-bit
 * random token, hex-encoded, that expires after FD_SESSION_IDLE_S without
 * use. After FD_LOCKOUT_FAILURES wrong passwords in a row an account is
 * locked for FD_LOCKOUT_SECONDS; unknown user names are refused without
 * any state, so they cannot fill memory, after as much hashing as a real
 * check, so that response times do not reveal which names exist.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "daemon.h"

#define FD_SESSIONS 64
#define FD_SESSION_IDLE_S 3600.0
#define FD_QUESTION_MAX 128
#define FD_ANSWER_MAX 128
#define FD_PWHASH_OPS 5
#define FD_PWHASH_MEM (7u << 20)

typedef struct user {
	char name[FD_USERNAME_MAX + 1];
	fd_role role;
	char hash[crypto_pwhash_STRBYTES];
	int failures;
	double locked_until;
} user;

typedef struct session {
	char token[FD_TOKEN_LEN + 1];
	char name[FD_USERNAME_MAX + 1];
	double last_used;
} session;

struct fd_users {
	char path[4200];
	pthread_mutex_t lock;
	int nusers;
	user users[FD_MAX_USERS];
	char questions[FD_QUESTIONS][FD_QUESTION_MAX + 1];
	char answer_hash[FD_QUESTIONS][crypto_pwhash_STRBYTES];
	session sessions[FD_SESSIONS];
};

ff_status fd_password_policy(const char *pw, ff_error *err)
{
	size_t n = strlen(pw);
	if (n < 8 || n > 16)
		return ff_error_set(err, FF_ERR_INVALID,
				    "password: must be 8 to 16 characters long (has %zu)", n);
	bool kinds[4] = {false, false, false, false};
	for (const char *p = pw; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x21 || c > 0x7e)
			return ff_error_set(err, FF_ERR_INVALID,
					    "password: only printable ASCII characters without "
					    "spaces are allowed");
		kinds[isdigit(c) ? 0 : islower(c) ? 1 : isupper(c) ? 2 : 3] = true;
	}
	if (kinds[0] + kinds[1] + kinds[2] + kinds[3] < 2)
		return ff_error_set(err, FF_ERR_INVALID,
				    "password: needs at least two kinds of characters (digits, "
				    "lowercase, uppercase, symbols)");
	return FF_OK;
}

static ff_status hash_secret(const char *secret, char out[crypto_pwhash_STRBYTES], ff_error *err)
{
	if (crypto_pwhash_str_alg(out, secret, strlen(secret), FD_PWHASH_OPS, FD_PWHASH_MEM,
				  crypto_pwhash_ALG_ARGON2ID13))
		return ff_error_set(err, FF_ERR_NOMEM, "password hashing: out of memory");
	return FF_OK;
}

static bool verify_secret(const char *hash, const char *secret)
{
	return hash[0] && crypto_pwhash_str_verify(hash, secret, strlen(secret)) == 0;
}

/* Trimmed, lower-cased copy of an answer; false when empty or too long. */
static bool normalise_answer(const char *in, char out[FD_ANSWER_MAX + 1])
{
	while (isspace((unsigned char)*in))
		in++;
	size_t n = strlen(in);
	while (n > 0 && isspace((unsigned char)in[n - 1]))
		n--;
	if (n == 0 || n > FD_ANSWER_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n] = '\0';
	return true;
}

static bool valid_username(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > FD_USERNAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.')
			return false;
	return true;
}

static user *find_user(fd_users *u, const char *name)
{
	for (int i = 0; i < u->nusers; i++)
		if (!strcmp(u->users[i].name, name))
			return &u->users[i];
	return NULL;
}

/* ---- The user file ------------------------------------------------------- */

static ff_status save_locked(fd_users *u, ff_error *err)
{
	json_t *users = json_array(), *qs = json_array();
	for (int i = 0; users && i < u->nusers; i++)
		json_array_append_new(
		    users, json_pack("{s:s,s:s,s:s}", "username", u->users[i].name, "role",
				     u->users[i].role == FD_ROLE_ADMIN ? "admin" : "viewer",
				     "password_hash", u->users[i].hash));
	for (int i = 0; qs && i < FD_QUESTIONS; i++)
		json_array_append_new(qs, json_pack("{s:s,s:s}", "question", u->questions[i],
						    "answer_hash", u->answer_hash[i]));
	json_t *doc = json_pack("{s:o*,s:o*}", "users", users, "security_questions", qs);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	if (!text)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", u->path);
	ff_status st = fd_write_atomic(u->path, text, strlen(text), err);
	free(text);
	return st;
}

static ff_status copy_field(json_t *obj, const char *key, char *buf, size_t cap, const char *path,
			    ff_error *err)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (!s || strlen(s) >= cap)
		return ff_error_set(err, FF_ERR_FORMAT, "%s: bad or missing '%s'", path, key);
	snprintf(buf, cap, "%s", s);
	return FF_OK;
}

static ff_status load(fd_users *u, const char *text, size_t len, ff_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);
	if (!doc)
		return ff_error_set(err, FF_ERR_FORMAT, "%s:%d: %s", u->path, jerr.line, jerr.text);
	json_t *users = json_object_get(doc, "users"),
	       *qs = json_object_get(doc, "security_questions");
	ff_status st = FF_OK;
	if (!json_is_array(users) || json_array_size(users) > FD_MAX_USERS || !json_is_array(qs) ||
	    json_array_size(qs) != FD_QUESTIONS)
		st = ff_error_set(err, FF_ERR_FORMAT, "%s: bad users or security_questions",
				  u->path);
	size_t i;
	json_t *v;
	json_array_foreach(users, i, v)
	{
		if (st)
			break;
		user *x = &u->users[u->nusers++];
		char role[16];
		st = copy_field(v, "username", x->name, sizeof x->name, u->path, err);
		if (!st)
			st = copy_field(v, "role", role, sizeof role, u->path, err);
		if (!st)
			st = copy_field(v, "password_hash", x->hash, sizeof x->hash, u->path, err);
		x->role = !strcmp(role, "admin") ? FD_ROLE_ADMIN : FD_ROLE_VIEWER;
	}
	json_array_foreach(qs, i, v)
	{
		if (st)
			break;
		st = copy_field(v, "question", u->questions[i], sizeof u->questions[i], u->path,
				err);
		if (!st)
			st = copy_field(v, "answer_hash", u->answer_hash[i],
					sizeof u->answer_hash[i], u->path, err);
	}
	if (!st && (u->nusers == 0 || u->users[0].role != FD_ROLE_ADMIN))
		st = ff_error_set(err, FF_ERR_FORMAT, "%s: the first user must be the admin",
				  u->path);
	json_decref(doc);
	return st;
}

ff_status fd_users_open(const char *path, fd_users **out, ff_error *err)
{
	if (sodium_init() < 0)
		return ff_error_set(err, FF_ERR_UNSUPPORTED, "libsodium: initialisation failed");
	fd_users *u = calloc(1, sizeof *u);
	if (!u)
		return ff_error_set(err, FF_ERR_NOMEM, "users: out of memory");
	snprintf(u->path, sizeof u->path, "%s", path);
	char *text;
	size_t len;
	ff_status st = fd_read_file(path, &text, &len, err);
	if (st == FF_ERR_END) {
		st = FF_OK;
	} else if (!st) {
		st = load(u, text, len, err);
		free(text);
	}
	if (st || pthread_mutex_init(&u->lock, NULL)) {
		free(u);
		return st ? st : ff_error_set(err, FF_ERR_NOMEM, "users: mutex");
	}
	*out = u;
	return FF_OK;
}

void fd_users_close(fd_users *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	sodium_memzero(u, sizeof *u);
	free(u);
}

bool fd_users_activated(fd_users *u)
{
	pthread_mutex_lock(&u->lock);
	bool yes = u->nusers > 0;
	pthread_mutex_unlock(&u->lock);
	return yes;
}

ff_status fd_parse_password_questions(struct json_t *body, const char **password,
				      const char *questions[FD_QUESTIONS],
				      const char *answers[FD_QUESTIONS], ff_error *err)
{
	json_t *qs = json_object_get(body, "security_questions");
	*password = json_string_value(json_object_get(body, "password"));
	if (!*password)
		return ff_error_set(err, FF_ERR_INVALID, "password: required");
	if (!json_is_array(qs) || json_array_size(qs) != FD_QUESTIONS)
		return ff_error_set(err, FF_ERR_INVALID,
				    "security_questions: exactly %d questions with answers",
				    FD_QUESTIONS);
	for (int i = 0; i < FD_QUESTIONS; i++) {
		json_t *q = json_array_get(qs, (size_t)i);
		questions[i] = json_string_value(json_object_get(q, "question"));
		answers[i] = json_string_value(json_object_get(q, "answer"));
	}
	return FF_OK;
}

/* Checks three questions with their answers and hashes the answers. */
static ff_status hash_questions(const char *const questions[FD_QUESTIONS],
				const char *const answers[FD_QUESTIONS],
				char qcopy[FD_QUESTIONS][FD_QUESTION_MAX + 1],
				char ahash[FD_QUESTIONS][crypto_pwhash_STRBYTES], ff_error *err)
{
	for (int i = 0; i < FD_QUESTIONS; i++) {
		char norm[FD_ANSWER_MAX + 1];
		size_t qn = questions[i] ? strlen(questions[i]) : 0;
		if (qn == 0 || qn > FD_QUESTION_MAX)
			return ff_error_set(err, FF_ERR_INVALID,
					    "security_questions[%d].question: 1 to %d characters",
					    i, FD_QUESTION_MAX);
		if (!answers[i] || !normalise_answer(answers[i], norm))
			return ff_error_set(err, FF_ERR_INVALID,
					    "security_questions[%d].answer: 1 to %d characters", i,
					    FD_ANSWER_MAX);
		snprintf(qcopy[i], FD_QUESTION_MAX + 1, "%s", questions[i]);
		ff_status st = hash_secret(norm, ahash[i], err);
		sodium_memzero(norm, sizeof norm);
		if (st)
			return st;
	}
	return FF_OK;
}

ff_status fd_users_activate(fd_users *u, const char *password,
			    const char *const questions[FD_QUESTIONS],
			    const char *const answers[FD_QUESTIONS], ff_error *err)
{
	if (fd_users_activated(u))
		return ff_error_set(err, FF_ERR_STATE, "the device is already activated");
	ff_status st = fd_password_policy(password, err);
	if (st)
		return st;
	char qcopy[FD_QUESTIONS][FD_QUESTION_MAX + 1];
	char ahash[FD_QUESTIONS][crypto_pwhash_STRBYTES];
	char phash[crypto_pwhash_STRBYTES];
	if ((st = hash_questions(questions, answers, qcopy, ahash, err)))
		return st;
	if ((st = hash_secret(password, phash, err)))
		return st;
	pthread_mutex_lock(&u->lock);
	if (u->nusers > 0) {
		st = ff_error_set(err, FF_ERR_STATE, "the device is already activated");
	} else {
		user *a = &u->users[0];
		memset(a, 0, sizeof *a);
		snprintf(a->name, sizeof a->name, "admin");
		a->role = FD_ROLE_ADMIN;
		memcpy(a->hash, phash, sizeof phash);
		memcpy(u->questions, qcopy, sizeof qcopy);
		memcpy(u->answer_hash, ahash, sizeof ahash);
		u->nusers = 1;
		st = save_locked(u, err);
		if (st)
			u->nusers = 0;
	}
	pthread_mutex_unlock(&u->lock);
	return st;
}

/* Under the lock: whether the account is locked now (filling retry). */
static bool locked_out(const user *x, double now, int *retry_after)
{
	if (x->locked_until <= now)
		return false;
	if (retry_after)
		*retry_after = (int)(x->locked_until - now) + 1;
	return true;
}

static void record_attempt(user *x, bool ok, double now)
{
	if (ok) {
		x->failures = 0;
		return;
	}
	if (++x->failures >= FD_LOCKOUT_FAILURES) {
		x->failures = 0;
		x->locked_until = now + FD_LOCKOUT_SECONDS;
	}
}

static void new_session_locked(fd_users *u, const char *name, double now,
			       char token[FD_TOKEN_LEN + 1])
{
	unsigned char raw[FD_TOKEN_LEN / 2];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(token, FD_TOKEN_LEN + 1, raw, sizeof raw);
	session *slot = &u->sessions[0];
	for (int i = 0; i < FD_SESSIONS; i++) {
		session *s = &u->sessions[i];
		if (!s->token[0] || now - s->last_used > FD_SESSION_IDLE_S) {
			slot = s;
			break;
		}
		if (s->last_used < slot->last_used)
			slot = s;
	}
	snprintf(slot->token, sizeof slot->token, "%s", token);
	snprintf(slot->name, sizeof slot->name, "%s", name);
	slot->last_used = now;
}

fd_login fd_users_login(fd_users *u, const char *username, const char *password,
			char token[FD_TOKEN_LEN + 1], int *retry_after)
{
	char hash[crypto_pwhash_STRBYTES];
	double now = fd_now();
	pthread_mutex_lock(&u->lock);
	user *x = find_user(u, username);
	bool locked = x && locked_out(x, now, retry_after);
	if (x)
		memcpy(hash, x->hash, sizeof hash);
	pthread_mutex_unlock(&u->lock);
	if (!x) {
		/* Same work as for a real user, so that timing does not tell
		 * which user names exist. */
		char dummy[crypto_pwhash_STRBYTES];
		(void)hash_secret(password, dummy, NULL);
		return FD_LOGIN_BAD;
	}
	if (locked)
		return FD_LOGIN_LOCKED;
	bool ok = verify_secret(hash, password);
	fd_login res = ok ? FD_LOGIN_OK : FD_LOGIN_BAD;
	pthread_mutex_lock(&u->lock);
	x = find_user(u, username);
	if (!x) {
		res = FD_LOGIN_BAD;
	} else if (locked_out(x, now, retry_after)) {
		res = FD_LOGIN_LOCKED;
	} else {
		record_attempt(x, ok, now);
		if (ok)
			new_session_locked(u, username, now, token);
	}
	pthread_mutex_unlock(&u->lock);
	return res;
}

fd_role fd_users_session(fd_users *u, const char *token, char username[FD_USERNAME_MAX + 1])
{
	if (!token || strlen(token) != FD_TOKEN_LEN)
		return FD_ROLE_NONE;
	double now = fd_now();
	fd_role role = FD_ROLE_NONE;
	pthread_mutex_lock(&u->lock);
	for (int i = 0; i < FD_SESSIONS; i++) {
		session *s = &u->sessions[i];
		if (!s->token[0] || sodium_memcmp(s->token, token, FD_TOKEN_LEN))
			continue;
		user *x = find_user(u, s->name);
		if (!x || now - s->last_used > FD_SESSION_IDLE_S) {
			memset(s, 0, sizeof *s);
			break;
		}
		s->last_used = now;
		role = x->role;
		if (username)
			snprintf(username, FD_USERNAME_MAX + 1, "%s", x->name);
		break;
	}
	pthread_mutex_unlock(&u->lock);
	return role;
}

void fd_users_logout(fd_users *u, const char *token)
{
	pthread_mutex_lock(&u->lock);
	for (int i = 0; token && i < FD_SESSIONS; i++)
		if (u->sessions[i].token[0] && !strcmp(u->sessions[i].token, token))
			memset(&u->sessions[i], 0, sizeof u->sessions[i]);
	pthread_mutex_unlock(&u->lock);
}

/* Ends every session of a user (password changed, user deleted). */
static void drop_sessions_locked(fd_users *u, const char *name)
{
	for (int i = 0; i < FD_SESSIONS; i++)
		if (!strcmp(u->sessions[i].name, name))
			memset(&u->sessions[i], 0, sizeof u->sessions[i]);
}

ff_status fd_users_add(fd_users *u, const char *username, const char *password, ff_error *err)
{
	if (!valid_username(username))
		return ff_error_set(err, FF_ERR_INVALID,
				    "username: 1 to %d letters, digits, '_', '-' or '.'",
				    FD_USERNAME_MAX);
	ff_status st = fd_password_policy(password, err);
	char hash[crypto_pwhash_STRBYTES];
	if (st || (st = hash_secret(password, hash, err)))
		return st;
	pthread_mutex_lock(&u->lock);
	if (u->nusers == 0)
		st = ff_error_set(err, FF_ERR_STATE, "the device is not activated");
	else if (find_user(u, username))
		st = ff_error_set(err, FF_ERR_STATE, "username: '%s' exists", username);
	else if (u->nusers >= FD_MAX_USERS)
		st = ff_error_set(err, FF_ERR_LIMIT, "users: at most %d viewers", FD_MAX_USERS - 1);
	if (!st) {
		user *x = &u->users[u->nusers++];
		memset(x, 0, sizeof *x);
		snprintf(x->name, sizeof x->name, "%s", username);
		x->role = FD_ROLE_VIEWER;
		memcpy(x->hash, hash, sizeof hash);
		st = save_locked(u, err);
		if (st)
			u->nusers--;
	}
	pthread_mutex_unlock(&u->lock);
	return st;
}

ff_status fd_users_delete(fd_users *u, const char *username, ff_error *err)
{
	ff_status st = FF_OK;
	pthread_mutex_lock(&u->lock);
	user *x = find_user(u, username);
	if (!x) {
		st = ff_error_set(err, FF_ERR_END, "username: no user '%s'", username);
	} else if (x->role == FD_ROLE_ADMIN) {
		st = ff_error_set(err, FF_ERR_INVALID, "username: the admin cannot be deleted");
	} else {
		user saved = *x;
		int at = (int)(x - u->users);
		memmove(x, x + 1, sizeof *x * (size_t)(u->nusers - at - 1));
		u->nusers--;
		st = save_locked(u, err);
		if (st) {
			memmove(&u->users[at + 1], &u->users[at],
				sizeof *x * (size_t)(u->nusers - at));
			u->users[at] = saved;
			u->nusers++;
		} else {
			drop_sessions_locked(u, username);
		}
	}
	pthread_mutex_unlock(&u->lock);
	return st;
}

ff_status fd_users_set_password(fd_users *u, const char *username, const char *password,
				ff_error *err)
{
	ff_status st = fd_password_policy(password, err);
	char hash[crypto_pwhash_STRBYTES];
	if (st || (st = hash_secret(password, hash, err)))
		return st;
	pthread_mutex_lock(&u->lock);
	user *x = find_user(u, username);
	if (!x) {
		st = ff_error_set(err, FF_ERR_END, "username: no user '%s'", username);
	} else {
		char old[crypto_pwhash_STRBYTES];
		memcpy(old, x->hash, sizeof old);
		memcpy(x->hash, hash, sizeof hash);
		st = save_locked(u, err);
		if (st)
			memcpy(x->hash, old, sizeof old);
		else
			drop_sessions_locked(u, username);
	}
	pthread_mutex_unlock(&u->lock);
	return st;
}

ff_status fd_users_list_json(fd_users *u, char **out, ff_error *err)
{
	json_t *arr = json_array();
	pthread_mutex_lock(&u->lock);
	for (int i = 0; arr && i < u->nusers; i++)
		json_array_append_new(
		    arr, json_pack("{s:s,s:s}", "username", u->users[i].name, "role",
				   u->users[i].role == FD_ROLE_ADMIN ? "admin" : "viewer"));
	pthread_mutex_unlock(&u->lock);
	json_t *doc = json_pack("{s:o*}", "users", arr);
	*out = doc ? json_dumps(doc, 0) : NULL;
	json_decref(doc);
	return *out ? FF_OK : ff_error_set(err, FF_ERR_NOMEM, "users: out of memory");
}

ff_status fd_users_questions_json(fd_users *u, char **out, ff_error *err)
{
	json_t *arr = json_array();
	pthread_mutex_lock(&u->lock);
	for (int i = 0; arr && u->nusers > 0 && i < FD_QUESTIONS; i++)
		json_array_append_new(arr, json_string(u->questions[i]));
	pthread_mutex_unlock(&u->lock);
	json_t *doc = json_pack("{s:o*}", "questions", arr);
	*out = doc ? json_dumps(doc, 0) : NULL;
	json_decref(doc);
	return *out ? FF_OK : ff_error_set(err, FF_ERR_NOMEM, "users: out of memory");
}

fd_login fd_users_recover(fd_users *u, const char *const answers[FD_QUESTIONS],
			  const char *password, int *retry_after, ff_error *err)
{
	char hashes[FD_QUESTIONS][crypto_pwhash_STRBYTES];
	double now = fd_now();
	if (fd_password_policy(password, err))
		return FD_LOGIN_BAD;
	pthread_mutex_lock(&u->lock);
	bool active = u->nusers > 0;
	bool locked = active && locked_out(&u->users[0], now, retry_after);
	memcpy(hashes, u->answer_hash, sizeof hashes);
	pthread_mutex_unlock(&u->lock);
	if (!active) {
		ff_error_set(err, FF_ERR_STATE, "the device is not activated");
		return FD_LOGIN_BAD;
	}
	if (locked) {
		ff_error_set(err, FF_ERR_STATE, "locked out after repeated failures");
		return FD_LOGIN_LOCKED;
	}
	bool ok = true;
	for (int i = 0; i < FD_QUESTIONS; i++) {
		char norm[FD_ANSWER_MAX + 1];
		ok = answers[i] && normalise_answer(answers[i], norm) &&
		     verify_secret(hashes[i], norm) && ok;
	}
	pthread_mutex_lock(&u->lock);
	record_attempt(&u->users[0], ok, now);
	pthread_mutex_unlock(&u->lock);
	if (!ok) {
		ff_error_set(err, FF_ERR_INVALID, "answers: wrong");
		return FD_LOGIN_BAD;
	}
	if (fd_users_set_password(u, "admin", password, err))
		return FD_LOGIN_BAD;
	return FD_LOGIN_OK;
}

ff_status fd_users_set_questions(fd_users *u, const char *password,
				 const char *const questions[FD_QUESTIONS],
				 const char *const answers[FD_QUESTIONS], int *retry_after,
				 ff_error *err)
{
	char qcopy[FD_QUESTIONS][FD_QUESTION_MAX + 1];
	char ahash[FD_QUESTIONS][crypto_pwhash_STRBYTES];
	char hash[crypto_pwhash_STRBYTES];
	double now = fd_now();
	ff_status st = hash_questions(questions, answers, qcopy, ahash, err);
	if (st)
		return st;
	pthread_mutex_lock(&u->lock);
	bool active = u->nusers > 0;
	bool locked = active && locked_out(&u->users[0], now, retry_after);
	memcpy(hash, u->users[0].hash, sizeof hash);
	pthread_mutex_unlock(&u->lock);
	if (!active)
		return ff_error_set(err, FF_ERR_STATE, "the device is not activated");
	if (locked)
		return ff_error_set(err, FF_ERR_STATE, "locked out after repeated failures");
	bool ok = password && verify_secret(hash, password);
	pthread_mutex_lock(&u->lock);
	record_attempt(&u->users[0], ok, now);
	if (!ok) {
		st = ff_error_set(err, FF_ERR_INVALID, "password: wrong");
	} else {
		char oldq[FD_QUESTIONS][FD_QUESTION_MAX + 1];
		char olda[FD_QUESTIONS][crypto_pwhash_STRBYTES];
		memcpy(oldq, u->questions, sizeof oldq);
		memcpy(olda, u->answer_hash, sizeof olda);
		memcpy(u->questions, qcopy, sizeof qcopy);
		memcpy(u->answer_hash, ahash, sizeof ahash);
		st = save_locked(u, err);
		if (st) {
			memcpy(u->questions, oldq, sizeof oldq);
			memcpy(u->answer_hash, olda, sizeof olda);
		}
	}
	pthread_mutex_unlock(&u->lock);
	return st;
}
