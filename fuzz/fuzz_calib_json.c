/*
 * fuzz_calib_json.c - libFuzzer target for the DepthAI calib.json parser:
 * camera list, socket selection and the chains of extrinsics links.
 */
#include <stddef.h>
#include <stdint.h>

#include <footfall/calib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ff_stereo_calib calib;
	ff_error err;
	ff_calib_parse_depthai((const char *)data, size, "fuzz.json", &calib, &err);
	return 0;
}
