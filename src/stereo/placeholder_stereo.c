/* Temporary: replaced when the stereo module lands. */
typedef int ff_stereo_placeholder;
