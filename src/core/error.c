/*
 * error.c - error codes and messages shared by every module.
 *
 * Messages are formatted into the caller's ff_error so that the library never
 * prints; a NULL ff_error means the caller only wants the code.
 */
#include <stdarg.h>
#include <stdio.h>

#include <footfall/footfall.h>

const char *ff_strerror(ff_status code)
{
	switch (code) {
	case FF_OK:
		return "success";
	case FF_ERR_INVALID:
		return "invalid value";
	case FF_ERR_NOMEM:
		return "out of memory";
	case FF_ERR_IO:
		return "input/output error";
	case FF_ERR_FORMAT:
		return "malformed input";
	case FF_ERR_LIMIT:
		return "over a limit";
	case FF_ERR_SIZE:
		return "size mismatch";
	case FF_ERR_ORDER:
		return "timestamps out of order";
	case FF_ERR_UNSUPPORTED:
		return "unsupported";
	case FF_ERR_END:
		return "end of stream";
	case FF_ERR_CALIB:
		return "unusable calibration";
	case FF_ERR_STATE:
		return "invalid state";
	}
	return "unknown error";
}

ff_status ff_error_set(ff_error *err, ff_status code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}
