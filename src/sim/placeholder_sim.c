/* Temporary: replaced when the sim module lands. */
typedef int ff_sim_placeholder;
