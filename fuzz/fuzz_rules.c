/*
 * fuzz_rules.c - libFuzzer target for the rules JSON parser (spec section 3).
 *
 * Any input must either be rejected with a message or give rules that pass
 * validation; accepted rules must survive a write and re-parse unchanged,
 * which also exercises the writer on whatever the parser lets through.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <footfall/io.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ff_rules r, back;
	ff_error err;
	if (ff_rules_parse((const char *)data, size, &r, &err)) {
		if (!err.msg[0])
			__builtin_trap();
		return 0;
	}
	if (ff_rules_validate(&r, NULL))
		__builtin_trap();
	char *text;
	if (ff_rules_to_json(&r, &text, &err))
		__builtin_trap();
	if (ff_rules_parse(text, strlen(text), &back, &err) || memcmp(&r, &back, sizeof r))
		__builtin_trap();
	free(text);
	return 0;
}
