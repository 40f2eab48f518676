/*
 * store_test_util.h - the store's report as a JSON document, for the
 * daemon's unit tests (cmocka must be included before this header).
 */
#ifndef FOOTFALL_STORE_TEST_UTIL_H
#define FOOTFALL_STORE_TEST_UTIL_H

#include <jansson.h>
#include <stdlib.h>

#include "daemon.h"

/* fd_store_report of q over the database db, parsed; fails the test when
 * the store or the JSON fails. */
static inline json_t *report_json(const char *db, const fd_report_query *q)
{
	char *text = NULL;
	size_t len = 0;
	ff_error err = {0};
	if (fd_store_report(db, q, &text, &len, &err))
		fail_msg("report: %s", err.msg);
	json_t *doc = json_loadb(text, len, 0, NULL);
	free(text);
	assert_non_null(doc);
	return doc;
}

#endif
