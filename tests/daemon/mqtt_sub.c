/*
 * mqtt_sub.c - the MQTT receiver of the push test.
 *
 *   fd_mqtt_sub PORT TOPIC FILE
 *
 * Subscribes to TOPIC on 127.0.0.1:PORT and appends every message to FILE,
 * one line each, flushed at once so that the test script can read along.
 * The session is persistent (fixed client id, no clean session, QoS 1), so
 * that the broker keeps what arrives while this client is reconnecting
 * after a broker restart: the test checks the daemon's queue, and must not
 * lose messages of its own. Stops on SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <mosquitto.h>

typedef struct sub {
	const char *topic;
	FILE *out;
} sub;

static void on_connect(struct mosquitto *m, void *user, int rc)
{
	sub *s = user;
	if (rc == 0)
		mosquitto_subscribe(m, NULL, s->topic, 1);
}

static void on_message(struct mosquitto *m, void *user, const struct mosquitto_message *msg)
{
	(void)m;
	sub *s = user;
	fwrite(msg->payload, 1, (size_t)msg->payloadlen, s->out);
	fputc('\n', s->out);
	fflush(s->out);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fd_mqtt_sub PORT TOPIC FILE\n");
		return 2;
	}
	sub s = {argv[2], fopen(argv[3], "a")};
	if (!s.out) {
		perror(argv[3]);
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	mosquitto_lib_init();
	struct mosquitto *m = mosquitto_new("fd-push-test-sub", false, &s);
	int rc = 1;
	if (m) {
		mosquitto_connect_callback_set(m, on_connect);
		mosquitto_message_callback_set(m, on_message);
		mosquitto_reconnect_delay_set(m, 1, 1, false);
		/* connect_async: the broker may come up after us; the network
		 * thread keeps trying. */
		if (mosquitto_connect_async(m, "127.0.0.1", atoi(argv[1]), 10) ==
			MOSQ_ERR_SUCCESS &&
		    mosquitto_loop_start(m) == MOSQ_ERR_SUCCESS) {
			int sig;
			sigwait(&set, &sig);
			mosquitto_disconnect(m);
			mosquitto_loop_stop(m, false);
			rc = 0;
		}
		mosquitto_destroy(m);
	}
	mosquitto_lib_cleanup();
	fclose(s.out);
	return rc;
}
