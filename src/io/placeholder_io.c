/* Temporary: replaced when the io module lands. */
typedef int ff_io_placeholder;
