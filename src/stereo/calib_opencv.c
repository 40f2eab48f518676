/*
 * calib_opencv.c - the subset of OpenCV's FileStorage formats (YAML and XML)
 * that stereo calibration tools write, parsed without a YAML or XML library.
 *
 * Both syntaxes are read into the same small tree (scalars, sequences,
 * mappings; a node remembers whether it was tagged as an OpenCV matrix), and
 * one extraction step then looks up M1, D1, ..., R, T and the image size in
 * it. That keeps the format quirks in the two readers and the calibration
 * logic in one place.
 *
 * YAML subset: block mappings and sequences by indentation (spaces only),
 * compact "- key: value" items, flow collections [ ] and { } that may span
 * lines, plain and quoted scalars, comments, tags (only !!opencv-matrix
 * means something), the %YAML directive and document markers. Anchors,
 * aliases and block scalars (| >) are rejected: OpenCV never writes them.
 * XML subset: the declaration, comments, processing instructions, a doctype
 * without internal subset, elements with attributes (type_id="opencv-matrix"
 * marks a matrix), text content; elements named "_" are sequence items.
 * Text is not unescaped because only keys and numbers matter here.
 *
 * The input is untrusted (fuzzed): every scan is bounded by the buffer end,
 * nesting is limited to MAX_DEPTH and the tree to MAX_NODES, and scalars are
 * kept as spans into the input instead of copies.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib_internal.h"

#define MAX_DEPTH 64
#define MAX_NODES (1 << 20)
#define NUMBER_MAX 63

enum node_kind { NODE_SCALAR, NODE_SEQ, NODE_MAP };

struct node {
	enum node_kind kind;
	bool matrix;
	const char *pos; /* where the node starts, for line numbers */
	const char *key; /* key in the parent mapping, if any */
	size_t key_len;
	const char *text; /* scalar text */
	size_t text_len;
	int first, last, next; /* children and siblings, -1 = none */
};

struct tree {
	const char *name;
	const char *data;
	size_t len;
	struct node *nodes;
	int n, cap;
	int root;
	bool failed;
	ff_status status;
	ff_error *err;
};

static int line_of(const struct tree *t, const char *pos)
{
	int line = 1;
	for (const char *p = t->data; p < pos && p < t->data + t->len; p++)
		if (*p == '\n')
			line++;
	return line;
}

static int fail_at(struct tree *t, const char *pos, const char *what)
{
	if (!t->failed)
		t->status = ff_error_set(t->err, FF_ERR_FORMAT, "%s:%d: %s", t->name,
					 line_of(t, pos), what);
	t->failed = true;
	return -1;
}

static int new_node(struct tree *t, enum node_kind kind, const char *pos)
{
	if (t->n == t->cap) {
		if (t->cap >= MAX_NODES)
			return fail_at(t, pos, "too many values");
		int cap = t->cap ? t->cap * 2 : 64;
		struct node *bigger = realloc(t->nodes, (size_t)cap * sizeof *bigger);
		if (!bigger) {
			t->status =
			    ff_error_set(t->err, FF_ERR_NOMEM, "%s: out of memory", t->name);
			t->failed = true;
			return -1;
		}
		t->nodes = bigger;
		t->cap = cap;
	}
	struct node *nd = &t->nodes[t->n];
	*nd = (struct node){.kind = kind, .pos = pos, .first = -1, .last = -1, .next = -1};
	return t->n++;
}

static void add_child(struct tree *t, int parent, int child, const char *key, size_t key_len)
{
	struct node *pn = &t->nodes[parent];
	t->nodes[child].key = key;
	t->nodes[child].key_len = key_len;
	if (pn->last >= 0)
		t->nodes[pn->last].next = child;
	else
		pn->first = child;
	pn->last = child;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool span_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

/* ---- YAML ------------------------------------------------------------- */

struct cur {
	struct tree *t;
	const char *p, *end;
	int col; /* column of p at a line's content; -1 at the end */
};

static bool at_eol(const struct cur *c)
{
	return c->p >= c->end || *c->p == '\n' || *c->p == '\r';
}

static bool ws_or_eol_at(const struct cur *c, const char *q)
{
	return q >= c->end || is_space(*q);
}

static void skip_blanks(struct cur *c)
{
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
}

static void next_line(struct cur *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end)
		c->p++;
}

static bool starts_marker(const struct cur *c, const char *q, const char *m)
{
	return c->end - q >= 3 && memcmp(q, m, 3) == 0 && ws_or_eol_at(c, q + 3);
}

/* From a line start, moves to the content of the next line that has some,
 * skipping blank lines, comments, directives and document markers. */
static int next_content(struct cur *c)
{
	while (c->p < c->end) {
		const char *ls = c->p;
		while (c->p < c->end && *c->p == ' ')
			c->p++;
		const char *q = c->p;
		while (q < c->end && is_blank(*q))
			q++;
		if (q >= c->end || *q == '\n' || *q == '\r' || *q == '#') {
			next_line(c);
			continue;
		}
		if (q != c->p)
			return fail_at(c->t, q, "tab in indentation");
		if (c->p == ls &&
		    (*q == '%' || starts_marker(c, q, "---") || starts_marker(c, q, "..."))) {
			next_line(c);
			continue;
		}
		c->col = (int)(c->p - ls);
		return c->col;
	}
	c->col = -1;
	return -1;
}

static bool at_dash(const struct cur *c)
{
	return c->p < c->end && *c->p == '-' && ws_or_eol_at(c, c->p + 1);
}

/* Span of a quoted scalar starting at q (a quote); returns the position
 * after the closing quote, NULL if the line ends first. */
static const char *scan_quoted(const struct cur *c, const char *q, const char **s, size_t *n)
{
	char quote = *q++;
	const char *start = q;
	while (q < c->end && *q != '\n') {
		if (quote == '"' && *q == '\\' && q + 1 < c->end && q[1] != '\n') {
			q += 2;
			continue;
		}
		if (*q == quote) {
			if (quote == '\'' && q + 1 < c->end && q[1] == '\'') {
				q += 2;
				continue;
			}
			*s = start;
			*n = (size_t)(q - start);
			return q + 1;
		}
		q++;
	}
	return NULL;
}

/* If the line at c->p is "KEY: ..." (key plain or quoted), returns the
 * position after the colon and the key's span; NULL otherwise. */
static const char *scan_key(const struct cur *c, const char **key, size_t *klen)
{
	const char *p = c->p;
	if (p >= c->end)
		return NULL;
	if (*p == '"' || *p == '\'') {
		p = scan_quoted(c, p, key, klen);
		if (!p)
			return NULL;
		while (p < c->end && is_blank(*p))
			p++;
		return p < c->end && *p == ':' && ws_or_eol_at(c, p + 1) ? p + 1 : NULL;
	}
	if (strchr("[]{}!|>&*#,", *p))
		return NULL;
	for (const char *s = p; p < c->end && *p != '\n' && *p != '\r'; p++) {
		if (*p == ':' && ws_or_eol_at(c, p + 1)) {
			const char *e = p;
			while (e > s && is_blank(e[-1]))
				e--;
			if (e == s)
				return NULL;
			*key = s;
			*klen = (size_t)(e - s);
			return p + 1;
		}
		if (*p == '#' && p > s && is_blank(p[-1]))
			return NULL;
	}
	return NULL;
}

/* After a value on its line: only blanks or a comment may follow. */
static int end_of_value(struct cur *c, int node)
{
	skip_blanks(c);
	if (!at_eol(c) && *c->p != '#')
		return fail_at(c->t, c->p, "unexpected text after a value");
	next_line(c);
	if (next_content(c) < 0 && c->t->failed)
		return -1;
	return node;
}

static int yaml_block(struct cur *c, int depth);
static int yaml_block_seq(struct cur *c, int depth);
static int yaml_block_map(struct cur *c, int depth);

/* A tag such as !!opencv-matrix; sets *matrix when it is that one. */
static void scan_tag(struct cur *c, bool *matrix)
{
	const char *s = c->p;
	while (c->p < c->end && !is_space(*c->p) && *c->p != ',' && *c->p != ']' && *c->p != '}')
		c->p++;
	if (span_is(s, (size_t)(c->p - s), "!!opencv-matrix"))
		*matrix = true;
}

static void flow_skip(struct cur *c)
{
	while (c->p < c->end) {
		if (is_space(*c->p))
			c->p++;
		else if (*c->p == '#')
			while (c->p < c->end && *c->p != '\n')
				c->p++;
		else
			break;
	}
}

static int yaml_flow(struct cur *c, int depth);

static int flow_item(struct cur *c, int depth)
{
	flow_skip(c);
	bool matrix = false;
	if (c->p < c->end && *c->p == '!') {
		scan_tag(c, &matrix);
		flow_skip(c);
	}
	if (c->p >= c->end)
		return fail_at(c->t, c->p, "unterminated flow collection");
	int node;
	if (*c->p == '[' || *c->p == '{') {
		node = yaml_flow(c, depth + 1);
	} else if (*c->p == '"' || *c->p == '\'') {
		const char *s;
		size_t n;
		const char *after = scan_quoted(c, c->p, &s, &n);
		if (!after)
			return fail_at(c->t, c->p, "unterminated quoted string");
		node = new_node(c->t, NODE_SCALAR, c->p);
		if (node >= 0) {
			c->t->nodes[node].text = s;
			c->t->nodes[node].text_len = n;
		}
		c->p = after;
	} else {
		const char *s = c->p;
		while (c->p < c->end && !strchr(",]}\n\r", *c->p) &&
		       !(*c->p == '#' && c->p > s && is_blank(c->p[-1])))
			c->p++;
		const char *e = c->p;
		while (e > s && is_blank(e[-1]))
			e--;
		if (e == s)
			return fail_at(c->t, s, "empty item in a flow collection");
		node = new_node(c->t, NODE_SCALAR, s);
		if (node >= 0) {
			c->t->nodes[node].text = s;
			c->t->nodes[node].text_len = (size_t)(e - s);
		}
	}
	if (node >= 0 && matrix)
		c->t->nodes[node].matrix = true;
	return node;
}

/* [ a, b ] or { k: v, ... }, possibly over several lines. */
static int yaml_flow(struct cur *c, int depth)
{
	if (depth > MAX_DEPTH)
		return fail_at(c->t, c->p, "nested too deeply");
	char close = *c->p == '[' ? ']' : '}';
	int node = new_node(c->t, close == ']' ? NODE_SEQ : NODE_MAP, c->p);
	if (node < 0)
		return -1;
	c->p++;
	for (;;) {
		flow_skip(c);
		if (c->p >= c->end)
			return fail_at(c->t, c->p, "unterminated flow collection");
		if (*c->p == close) {
			c->p++;
			return node;
		}
		const char *key = NULL;
		size_t klen = 0;
		if (close == '}') {
			if (*c->p == '"' || *c->p == '\'') {
				const char *after = scan_quoted(c, c->p, &key, &klen);
				if (!after)
					return fail_at(c->t, c->p, "unterminated quoted key");
				c->p = after;
			} else {
				key = c->p;
				while (c->p < c->end && !strchr(":,{}[]\n\r", *c->p))
					c->p++;
				const char *e = c->p;
				while (e > key && is_blank(e[-1]))
					e--;
				klen = (size_t)(e - key);
			}
			flow_skip(c);
			if (klen == 0 || c->p >= c->end || *c->p != ':')
				return fail_at(c->t, c->p,
					       "expected 'key: value' in a flow mapping");
			c->p++;
		}
		int item = flow_item(c, depth);
		if (item < 0)
			return -1;
		add_child(c->t, node, item, key, klen);
		flow_skip(c);
		if (c->p >= c->end)
			return fail_at(c->t, c->p, "unterminated flow collection");
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p == close) {
			c->p++;
			return node;
		}
		return fail_at(c->t, c->p,
			       close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
	}
}

/* The value after "key:" or "- ", inline or on the following more indented
 * lines. A mapping's value may also be a sequence at the mapping's own
 * indentation (same_col_seq). Leaves the cursor at the next content. */
static int yaml_value(struct cur *c, int parent_col, int depth, bool same_col_seq)
{
	if (depth > MAX_DEPTH)
		return fail_at(c->t, c->p, "nested too deeply");
	skip_blanks(c);
	bool matrix = false;
	if (c->p < c->end && *c->p == '!') {
		scan_tag(c, &matrix);
		skip_blanks(c);
	}
	const char *pos = c->p;
	int node;
	if (at_eol(c) || *c->p == '#') {
		next_line(c);
		int col = next_content(c);
		if (c->t->failed)
			return -1;
		if (col > parent_col)
			node = yaml_block(c, depth + 1);
		else if (col == parent_col && same_col_seq && at_dash(c))
			node = yaml_block_seq(c, depth + 1);
		else
			node = new_node(c->t, NODE_SCALAR, pos);
	} else if (*c->p == '[' || *c->p == '{') {
		node = yaml_flow(c, depth + 1);
		if (node >= 0)
			node = end_of_value(c, node);
	} else if (*c->p == '"' || *c->p == '\'') {
		const char *s;
		size_t n;
		const char *after = scan_quoted(c, c->p, &s, &n);
		if (!after)
			return fail_at(c->t, c->p, "unterminated quoted string");
		node = new_node(c->t, NODE_SCALAR, pos);
		if (node < 0)
			return -1;
		c->t->nodes[node].text = s;
		c->t->nodes[node].text_len = n;
		c->p = after;
		node = end_of_value(c, node);
	} else if (strchr("|>&*", *c->p)) {
		return fail_at(c->t, c->p, "block scalars, anchors and aliases are not supported");
	} else {
		const char *s = c->p;
		while (!at_eol(c) && !(*c->p == '#' && is_blank(c->p[-1])))
			c->p++;
		const char *e = c->p;
		while (e > s && is_blank(e[-1]))
			e--;
		node = new_node(c->t, NODE_SCALAR, pos);
		if (node < 0)
			return -1;
		c->t->nodes[node].text = s;
		c->t->nodes[node].text_len = (size_t)(e - s);
		node = end_of_value(c, node);
	}
	if (node >= 0 && matrix)
		c->t->nodes[node].matrix = true;
	return node;
}

static int yaml_block_map(struct cur *c, int depth)
{
	int col = c->col;
	int map = new_node(c->t, NODE_MAP, c->p);
	if (map < 0)
		return -1;
	for (;;) {
		const char *key;
		size_t klen;
		const char *pos = c->p;
		const char *after = scan_key(c, &key, &klen);
		if (!after)
			return fail_at(c->t, c->p, "expected 'key: value'");
		c->p = after;
		int v = yaml_value(c, col, depth, true);
		if (v < 0)
			return -1;
		c->t->nodes[v].pos = pos;
		add_child(c->t, map, v, key, klen);
		if (c->col < col)
			return map;
		if (c->col > col)
			return fail_at(c->t, c->p, "unexpected indentation");
		if (at_dash(c))
			return fail_at(c->t, c->p, "a sequence item where a key was expected");
	}
}

static int yaml_block_seq(struct cur *c, int depth)
{
	int col = c->col;
	int seq = new_node(c->t, NODE_SEQ, c->p);
	if (seq < 0)
		return -1;
	for (;;) {
		const char *dash = c->p;
		c->p++;
		skip_blanks(c);
		const char *key;
		size_t klen;
		int item;
		if (at_eol(c) || *c->p == '#') {
			item = yaml_value(c, col, depth, false);
		} else if (scan_key(c, &key, &klen)) {
			c->col = col + (int)(c->p - dash);
			item = yaml_block_map(c, depth + 1);
		} else if (at_dash(c)) {
			c->col = col + (int)(c->p - dash);
			item = depth < MAX_DEPTH ? yaml_block_seq(c, depth + 1)
						 : fail_at(c->t, c->p, "nested too deeply");
		} else {
			item = yaml_value(c, col, depth, false);
		}
		if (item < 0)
			return -1;
		add_child(c->t, seq, item, NULL, 0);
		if (c->col < col || (c->col == col && !at_dash(c)))
			return seq;
		if (c->col > col)
			return fail_at(c->t, c->p, "unexpected indentation");
	}
}

static int yaml_block(struct cur *c, int depth)
{
	if (depth > MAX_DEPTH)
		return fail_at(c->t, c->p, "nested too deeply");
	return at_dash(c) ? yaml_block_seq(c, depth) : yaml_block_map(c, depth);
}

static int yaml_parse(struct tree *t, const char *p)
{
	struct cur c = {t, p, t->data + t->len, 0};
	if (next_content(&c) < 0)
		return t->failed ? -1 : new_node(t, NODE_MAP, p);
	if (at_dash(&c))
		return fail_at(t, c.p, "the top level must be a mapping");
	int root = yaml_block_map(&c, 0);
	if (root >= 0 && c.col >= 0)
		return fail_at(t, c.p, "unexpected indentation");
	return root;
}

/* ---- XML -------------------------------------------------------------- */

static const char *find_str(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	for (; end - p >= (ptrdiff_t)n; p++)
		if (memcmp(p, s, n) == 0)
			return p;
	return NULL;
}

static bool has_prefix(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	return end - p >= (ptrdiff_t)n && memcmp(p, s, n) == 0;
}

/* Skips a comment, processing instruction or doctype at p; returns the
 * position after it, p itself if there is none, NULL if unterminated. */
static const char *xml_skip_misc(const char *p, const char *end)
{
	const char *q = NULL;
	if (has_prefix(p, end, "<!--")) {
		q = find_str(p + 4, end, "-->");
		return q ? q + 3 : NULL;
	}
	if (has_prefix(p, end, "<?")) {
		q = find_str(p + 2, end, "?>");
		return q ? q + 2 : NULL;
	}
	if (has_prefix(p, end, "<!DOCTYPE")) {
		q = memchr(p, '>', (size_t)(end - p));
		return q ? q + 1 : NULL;
	}
	return p;
}

static const char *xml_name(const char *p, const char *end)
{
	while (p < end && !is_space(*p) && !strchr("/>=<\"'", *p))
		p++;
	return p;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

/* The element at *pp ('<'); its name is returned through name/nlen. */
static int xml_element(struct tree *t, const char **pp, int depth, const char **name, size_t *nlen)
{
	const char *p = *pp, *end = t->data + t->len;
	if (depth > MAX_DEPTH)
		return fail_at(t, p, "nested too deeply");
	int node = new_node(t, NODE_SCALAR, p);
	if (node < 0)
		return -1;
	const char *ns = ++p;
	p = xml_name(p, end);
	if (p == ns)
		return fail_at(t, ns, "expected an element name");
	*name = ns;
	*nlen = (size_t)(p - ns);
	for (;;) {
		p = skip_space(p, end);
		if (p >= end)
			return fail_at(t, p, "unterminated tag");
		if (*p == '/') {
			if (p + 1 >= end || p[1] != '>')
				return fail_at(t, p, "expected '/>'");
			*pp = p + 2;
			return node;
		}
		if (*p == '>') {
			p++;
			break;
		}
		const char *as = p;
		p = xml_name(p, end);
		const char *ae = p;
		p = skip_space(p, end);
		if (as == ae || p >= end || *p != '=')
			return fail_at(t, p, "expected an attribute");
		p = skip_space(p + 1, end);
		if (p >= end || (*p != '"' && *p != '\''))
			return fail_at(t, p, "expected a quoted attribute value");
		const char *vs = p + 1;
		const char *ve = memchr(vs, *p, (size_t)(end - vs));
		if (!ve)
			return fail_at(t, p, "unterminated attribute value");
		if (span_is(as, (size_t)(ae - as), "type_id") &&
		    span_is(vs, (size_t)(ve - vs), "opencv-matrix"))
			t->nodes[node].matrix = true;
		p = ve + 1;
	}
	const char *text = NULL, *text_end = NULL;
	bool children = false;
	for (;;) {
		const char *s = p;
		while (p < end && *p != '<')
			p++;
		const char *e = p;
		const char *ts = skip_space(s, e);
		while (e > ts && is_space(e[-1]))
			e--;
		if (e > ts) {
			if (children || text)
				return fail_at(t, ts, "text mixed with elements");
			text = ts;
			text_end = e;
		}
		if (p >= end)
			return fail_at(t, t->nodes[node].pos, "unterminated element");
		const char *q = xml_skip_misc(p, end);
		if (!q)
			return fail_at(t, p, "unterminated comment or instruction");
		if (q != p) {
			p = q;
			continue;
		}
		if (has_prefix(p, end, "<![CDATA["))
			return fail_at(t, p, "CDATA sections are not supported");
		if (has_prefix(p, end, "</")) {
			const char *cs = p + 2;
			p = xml_name(cs, end);
			if ((size_t)(p - cs) == *nlen && memcmp(cs, *name, *nlen) == 0) {
				p = skip_space(p, end);
				if (p < end && *p == '>') {
					*pp = p + 1;
					break;
				}
			}
			return fail_at(t, cs, "mismatched closing tag");
		}
		if (text)
			return fail_at(t, p, "text mixed with elements");
		const char *cname;
		size_t clen;
		int child = xml_element(t, &p, depth + 1, &cname, &clen);
		if (child < 0)
			return -1;
		bool item = span_is(cname, clen, "_");
		if (!children)
			t->nodes[node].kind = item ? NODE_SEQ : NODE_MAP;
		children = true;
		if (item)
			add_child(t, node, child, NULL, 0);
		else
			add_child(t, node, child, cname, clen);
	}
	if (text) {
		t->nodes[node].text = text;
		t->nodes[node].text_len = (size_t)(text_end - text);
	}
	return node;
}

static int xml_parse(struct tree *t, const char *p)
{
	const char *end = t->data + t->len;
	for (;;) {
		p = skip_space(p, end);
		const char *q = xml_skip_misc(p, end);
		if (!q)
			return fail_at(t, p, "unterminated comment or instruction");
		if (q == p)
			break;
		p = q;
	}
	if (p >= end || *p != '<')
		return fail_at(t, p, "expected the root element");
	const char *name;
	size_t nlen;
	int root = xml_element(t, &p, 0, &name, &nlen);
	if (root < 0)
		return -1;
	for (;;) {
		p = skip_space(p, end);
		const char *q = xml_skip_misc(p, end);
		if (!q || q == p)
			break;
		p = q;
	}
	if (p < end)
		return fail_at(t, p, "content after the root element");
	if (t->nodes[root].kind == NODE_SEQ)
		return fail_at(t, t->nodes[root].pos, "the root element must hold named elements");
	t->nodes[root].kind = NODE_MAP;
	return root;
}

static ff_status parse_tree(struct tree *t)
{
	const char *p = t->data;
	if (t->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	const char *q = skip_space(p, t->data + t->len);
	t->root = q < t->data + t->len && *q == '<' ? xml_parse(t, q) : yaml_parse(t, p);
	return t->root < 0 ? t->status : FF_OK;
}

/* ---- Extraction ------------------------------------------------------- */

struct lookup {
	struct tree *trees;
	int n;
	const char *names; /* all file names, for "not found" messages */
	ff_error *err;
};

static int child_by_key(const struct tree *t, int node, const char *key)
{
	for (int i = t->nodes[node].first; i >= 0; i = t->nodes[i].next)
		if (t->nodes[i].key && span_is(t->nodes[i].key, t->nodes[i].key_len, key))
			return i;
	return -1;
}

/* The first of `keys` found at the top level of any file. */
static bool find_key(const struct lookup *lk, const char *const *keys, struct tree **tree,
		     int *node, const char **key)
{
	for (int k = 0; keys[k]; k++)
		for (int i = 0; i < lk->n; i++) {
			int nd = child_by_key(&lk->trees[i], lk->trees[i].root, keys[k]);
			if (nd >= 0) {
				*tree = &lk->trees[i];
				*node = nd;
				*key = keys[k];
				return true;
			}
		}
	return false;
}

static ff_status field_error(struct tree *t, int node, const char *field, ff_status code,
			     const char *what)
{
	return ff_error_set(t->err, code, "%s:%d: %s: %s", t->name, line_of(t, t->nodes[node].pos),
			    field, what);
}

static bool parse_number(const char *s, size_t n, double *v)
{
	char buf[NUMBER_MAX + 1];
	if (n == 0 || n > NUMBER_MAX)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	/* YAML spells the special values .nan and .inf. */
	const char *b = buf;
	double sign = 1.0;
	if (*b == '+' || *b == '-') {
		sign = *b == '-' ? -1.0 : 1.0;
		b++;
	}
	if (strcmp(b, ".nan") == 0) {
		*v = NAN;
		return true;
	}
	if (strcmp(b, ".inf") == 0) {
		*v = sign * INFINITY;
		return true;
	}
	char *endp;
	*v = strtod(buf, &endp);
	return endp == buf + n;
}

/* Appends every number under node (a scalar of blank- or comma-separated
 * numbers, or sequences of them) to out[0..cap); *count gets the total. */
static ff_status collect_numbers(struct tree *t, int node, const char *field, double *out, int cap,
				 int *count)
{
	const struct node *nd = &t->nodes[node];
	if (nd->kind == NODE_MAP)
		return field_error(t, node, field, FF_ERR_FORMAT,
				   "expected numbers, found a mapping");
	if (nd->kind == NODE_SEQ) {
		for (int i = nd->first; i >= 0; i = t->nodes[i].next) {
			ff_status st = collect_numbers(t, i, field, out, cap, count);
			if (st != FF_OK)
				return st;
		}
		return FF_OK;
	}
	if (!nd->text)
		return FF_OK;
	const char *p = nd->text, *end = nd->text + nd->text_len;
	while (p < end) {
		while (p < end && (is_space(*p) || *p == ','))
			p++;
		const char *s = p;
		while (p < end && !is_space(*p) && *p != ',')
			p++;
		if (p == s)
			break;
		double v;
		if (!parse_number(s, (size_t)(p - s), &v))
			return field_error(t, node, field, FF_ERR_FORMAT, "not a number");
		if (*count >= MAX_NODES)
			return field_error(t, node, field, FF_ERR_LIMIT, "too many numbers");
		if (*count < cap)
			out[*count] = v;
		(*count)++;
	}
	return FF_OK;
}

struct matrix {
	int rows, cols; /* cols = count, rows = 1 for plain sequences */
	bool shaped;	/* rows and cols were given */
	double v[16];
};

static ff_status read_int(struct tree *t, int node, const char *field, int lo, int hi, int *out)
{
	double v[1];
	int n = 0;
	ff_status st = collect_numbers(t, node, field, v, 1, &n);
	if (st != FF_OK)
		return st;
	if (n != 1 || !(v[0] >= lo && v[0] <= hi) || v[0] != floor(v[0])) {
		char what[64];
		snprintf(what, sizeof what, "expected an integer %d..%d", lo, hi);
		return field_error(t, node, field, FF_ERR_FORMAT, what);
	}
	*out = (int)v[0];
	return FF_OK;
}

static ff_status read_matrix(struct tree *t, int node, const char *field, struct matrix *m)
{
	const struct node *nd = &t->nodes[node];
	int count = 0;
	ff_status st;
	*m = (struct matrix){0};
	if (nd->kind == NODE_MAP) {
		int rows = child_by_key(t, node, "rows"), cols = child_by_key(t, node, "cols");
		int data = child_by_key(t, node, "data"), dt = child_by_key(t, node, "dt");
		if (rows < 0 || cols < 0 || data < 0)
			return field_error(t, node, field, FF_ERR_FORMAT,
					   "expected a matrix with rows, cols and data");
		if ((st = read_int(t, rows, field, 0, 1 << 16, &m->rows)) != FF_OK ||
		    (st = read_int(t, cols, field, 0, 1 << 16, &m->cols)) != FF_OK)
			return st;
		if (dt >= 0 && t->nodes[dt].kind == NODE_SCALAR && t->nodes[dt].text_len > 0 &&
		    isdigit((unsigned char)t->nodes[dt].text[0]) &&
		    !(t->nodes[dt].text_len == 2 && t->nodes[dt].text[0] == '1'))
			return field_error(t, dt, field, FF_ERR_FORMAT,
					   "multi-channel matrices are not supported");
		if ((st = collect_numbers(t, data, field, m->v, 16, &count)) != FF_OK)
			return st;
		if ((long)m->rows * m->cols != count) {
			char what[96];
			snprintf(what, sizeof what, "%dx%d matrix but %d values", m->rows, m->cols,
				 count);
			return field_error(t, node, field, FF_ERR_FORMAT, what);
		}
		m->shaped = true;
	} else {
		if ((st = collect_numbers(t, node, field, m->v, 16, &count)) != FF_OK)
			return st;
		m->rows = 1;
		m->cols = count;
	}
	int n = m->rows * m->cols;
	if (n > 16)
		return field_error(t, node, field, FF_ERR_FORMAT, "too many values");
	for (int i = 0; i < n; i++)
		if (!isfinite(m->v[i]))
			return field_error(t, node, field, FF_ERR_CALIB, "non-finite value");
	return FF_OK;
}

/* A required matrix under one of `keys`; tree and node locate it for shape
 * messages. */
static ff_status get_matrix(const struct lookup *lk, const char *const *keys, const char *what,
			    struct matrix *m, struct tree **tree, int *node, const char **key)
{
	if (!find_key(lk, keys, tree, node, key)) {
		char also[128] = "";
		for (int k = 1; keys[k]; k++) {
			size_t used = strlen(also);
			snprintf(also + used, sizeof also - used, "%s%s", k > 1 ? ", " : "; also ",
				 keys[k]);
		}
		return ff_error_set(lk->err, FF_ERR_FORMAT, "%s: no %s (%s%s)", lk->names, keys[0],
				    what, also);
	}
	return read_matrix(*tree, *node, *key, m);
}

static bool is_vector(const struct matrix *m, int n)
{
	return m->rows * m->cols == n && (m->rows == 1 || m->cols == 1 || !m->shaped);
}

static ff_status get_camera(const struct lookup *lk, int which, ff_calib_camera *cam)
{
	static const char *const kkeys[2][4] = {{"M1", "K1", "cameraMatrix1", NULL},
						{"M2", "K2", "cameraMatrix2", NULL}};
	static const char *const dkeys[2][3] = {{"D1", "distCoeffs1", NULL},
						{"D2", "distCoeffs2", NULL}};
	struct matrix m;
	struct tree *t;
	int node;
	const char *key;
	ff_status st =
	    get_matrix(lk, kkeys[which], which ? "right camera matrix" : "left camera matrix", &m,
		       &t, &node, &key);
	if (st != FF_OK)
		return st;
	if (m.rows * m.cols != 9 || (m.shaped && m.rows != 3))
		return field_error(t, node, key, FF_ERR_FORMAT, "expected a 3x3 matrix");
	memcpy(cam->k, m.v, sizeof cam->k);
	st = get_matrix(lk, dkeys[which], which ? "right distortion" : "left distortion", &m, &t,
			&node, &key);
	if (st != FF_OK)
		return st;
	int n = m.rows * m.cols;
	if (!is_vector(&m, n) || !(n == 0 || n == 4 || n == 5 || n == 8 || n == 12 || n == 14))
		return field_error(t, node, key, FF_ERR_FORMAT,
				   "expected 0, 4, 5, 8, 12 or 14 distortion coefficients");
	memset(cam->dist, 0, sizeof cam->dist);
	memcpy(cam->dist, m.v, (size_t)n * sizeof m.v[0]);
	cam->ndist = n;
	return FF_OK;
}

static ff_status get_size(const struct lookup *lk, const ff_calib_options *opt, int *w, int *h)
{
	static const char *const size_keys[] = {"imageSize", "image_size", "size", NULL};
	static const char *const wkey[] = {"image_width", NULL}, *const hkey[] = {"image_height",
										  NULL};
	struct tree *t;
	int node;
	const char *key;
	if (find_key(lk, size_keys, &t, &node, &key)) {
		struct matrix m;
		ff_status st = read_matrix(t, node, key, &m);
		if (st != FF_OK)
			return st;
		if (!is_vector(&m, 2) || m.v[0] != floor(m.v[0]) || m.v[1] != floor(m.v[1]) ||
		    m.v[0] < 1 || m.v[1] < 1 || m.v[0] > FF_CALIB_MAX_SIZE ||
		    m.v[1] > FF_CALIB_MAX_SIZE)
			return field_error(t, node, key, FF_ERR_FORMAT,
					   "expected [width, height], whole numbers of pixels");
		*w = (int)m.v[0];
		*h = (int)m.v[1];
		return FF_OK;
	}
	if (find_key(lk, wkey, &t, &node, &key)) {
		ff_status st = read_int(t, node, key, 1, FF_CALIB_MAX_SIZE, w);
		if (st != FF_OK)
			return st;
		if (!find_key(lk, hkey, &t, &node, &key))
			return ff_error_set(lk->err, FF_ERR_FORMAT,
					    "%s: image_width without image_height", lk->names);
		return read_int(t, node, key, 1, FF_CALIB_MAX_SIZE, h);
	}
	if (opt && opt->width > 0 && opt->height > 0) {
		*w = opt->width;
		*h = opt->height;
		return FF_OK;
	}
	return ff_error_set(lk->err, FF_ERR_FORMAT,
			    "%s: no image size (imageSize, or image_width and image_height); "
			    "give it with the calibration options",
			    lk->names);
}

static ff_status extract(const struct lookup *lk, const ff_calib_options *opt, ff_stereo_calib *c)
{
	ff_status st = get_camera(lk, 0, &c->left);
	if (st == FF_OK)
		st = get_camera(lk, 1, &c->right);
	if (st == FF_OK)
		st = get_size(lk, opt, &c->left.width, &c->left.height);
	if (st != FF_OK)
		return st;
	c->right.width = c->left.width;
	c->right.height = c->left.height;

	static const char *const rkey[] = {"R", NULL}, *const tkey[] = {"T", NULL};
	struct matrix m;
	struct tree *t;
	int node;
	const char *key;
	if ((st = get_matrix(lk, rkey, "rotation left to right", &m, &t, &node, &key)) != FF_OK)
		return st;
	if (m.rows * m.cols == 9 && (!m.shaped || m.rows == 3))
		memcpy(c->r, m.v, sizeof c->r);
	else if (is_vector(&m, 3))
		ff_rotation_from_vector(m.v, c->r);
	else
		return field_error(t, node, key, FF_ERR_FORMAT,
				   "expected a 3x3 matrix or a rotation vector");
	if ((st = get_matrix(lk, tkey, "translation left to right", &m, &t, &node, &key)) != FF_OK)
		return st;
	if (!is_vector(&m, 3))
		return field_error(t, node, key, FF_ERR_FORMAT, "expected 3 numbers");
	double len = sqrt(m.v[0] * m.v[0] + m.v[1] * m.v[1] + m.v[2] * m.v[2]);
	double scale = opt && opt->t_scale > 0 ? opt->t_scale
		       : len < 1.0	       ? 1.0
		       : len < 25.0	       ? 0.01
					       : 0.001;
	for (int i = 0; i < 3; i++)
		c->t[i] = m.v[i] * scale;
	c->t_scale = scale;
	return FF_OK;
}

ff_status ff_calib_parse_opencv_sources(const ff_calib_source *src, int n,
					const ff_calib_options *opt, ff_stereo_calib *out,
					ff_error *err)
{
	if (n < 1 || n > 8)
		return ff_error_set(err, FF_ERR_INVALID, "calibration: %d files, 1..8 allowed", n);
	struct tree trees[8];
	char names[256] = "";
	ff_status st = FF_OK;
	int built = 0;
	for (int i = 0; i < n && st == FF_OK; i++, built++) {
		trees[i] = (struct tree){.name = src[i].name ? src[i].name : "calibration",
					 .data = src[i].data,
					 .len = src[i].len,
					 .err = err};
		size_t used = strlen(names);
		snprintf(names + used, sizeof names - used, "%s%s", i ? " + " : "", trees[i].name);
		st = parse_tree(&trees[i]);
	}
	if (st == FF_OK) {
		struct lookup lk = {trees, n, names, err};
		ff_stereo_calib c = {0};
		st = extract(&lk, opt, &c);
		if (st == FF_OK)
			st = ff_calib_validate(&c, names, err);
		if (st == FF_OK)
			*out = c;
	}
	for (int i = 0; i < built; i++)
		free(trees[i].nodes);
	return st;
}

ff_status ff_calib_parse_opencv(const char *data, size_t len, const char *name,
				const ff_calib_options *opt, ff_stereo_calib *out, ff_error *err)
{
	ff_calib_source src = {data, len, name};
	return ff_calib_parse_opencv_sources(&src, 1, opt, out, err);
}
