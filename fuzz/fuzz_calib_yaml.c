/*
 * fuzz_calib_yaml.c - libFuzzer target for the OpenCV FileStorage parser
 * (YAML and XML, told apart by the first character as on disk).
 *
 * The first byte picks the options (automatic or explicit T unit, an image
 * size for files without one) so that the extraction and validation paths
 * behind a successful parse are reached too.
 */
#include <stddef.h>
#include <stdint.h>

#include <footfall/calib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ff_calib_options opt = {0};
	if (size > 0) {
		if (data[0] & 1)
			opt.t_scale = 0.001;
		if (data[0] & 2) {
			opt.width = 1280;
			opt.height = 800;
		}
		data++;
		size--;
	}
	ff_stereo_calib calib;
	ff_error err;
	if (ff_calib_parse_opencv((const char *)data, size, "fuzz.yml", &opt, &calib, &err) ==
	    FF_OK) {
		ff_rectify_options ropt = {.downscale = 4};
		ff_rectifier *r;
		/* Keep the remap tables small: only tiny calibrations. */
		if (calib.left.width <= 64 && calib.left.height <= 64 &&
		    ff_rectifier_create(&calib, &ropt, &r, &err) == FF_OK)
			ff_rectifier_destroy(r);
	}
	return 0;
}
