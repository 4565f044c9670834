/* The broker's own pace for records produced the way POST /pedidos produces them, without any HTTP:
 * a plain librdkafka client keeps K records in flight (closed loop: each acknowledgement produces the
 * next record), with the producer settings solicitudes uses on the embedded broker (acks=all, no
 * idempotence, one request in flight, linger.ms=0) and records shaped like an order (~220 B, keyed by id).
 * It is the reference printed beside POST /pedidos by scripts/rendimiento.sh: a POST needs one such
 * acknowledgement, so with K connections it cannot answer faster than this client with K in flight.
 *
 * Build: cc -O2 -o productor_referencia productor_referencia.c $(pkg-config --cflags --libs rdkafka)
 * Usage: productor_referencia BROKERS TOPIC IN_FLIGHT SECONDS
 * Prints one line: "in_flight=K acks=N seconds=S acks_per_second=R failed=F". */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static rd_kafka_topic_t *topic;
static long long next_id = 1, acks = 0, failed = 0;
static int producing = 1;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void produce_one(void) {
    char key[24], value[256];
    long long id = next_id++;
    int key_len = snprintf(key, sizeof key, "%lld", id);
    int value_len = snprintf(value, sizeof value,
                             "{\"id\":%lld,\"nombre\":\"Pizza napolitana familiar\",\"precio\":\"12990.50\","
                             "\"correo\":\"cliente%lld@pedidos.test\",\"estado\":\"recibido\","
                             "\"ingreso\":\"2026-12-06T16:00:00.000Z\",\"particion\":0,\"version\":1}",
                             id, id);
    /* One partition, like solicitudes' time window within one window. */
    if (rd_kafka_produce(topic, 0, RD_KAFKA_MSG_F_COPY, value, (size_t)value_len, key, (size_t)key_len, NULL) != 0) {
        fprintf(stderr, "produce failed: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
        exit(1);
    }
}

static void delivered(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk; (void)opaque;
    if (message->err) failed++; else acks++;
    if (producing) produce_one();
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s BROKERS TOPIC IN_FLIGHT SECONDS\n", argv[0]);
        return 2;
    }
    int in_flight = atoi(argv[3]);
    double seconds = atof(argv[4]);
    char error[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {
        {"bootstrap.servers", argv[1]}, {"acks", "all"}, {"enable.idempotence", "false"}, {"linger.ms", "0"},
        {"max.in.flight.requests.per.connection", "1"}, {"message.timeout.ms", "3500"},
    };
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], error, sizeof error) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "%s\n", error);
            return 1;
        }
    rd_kafka_conf_set_dr_msg_cb(conf, delivered);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (!rk) { fprintf(stderr, "%s\n", error); return 1; }
    topic = rd_kafka_topic_new(rk, argv[2], NULL);

    /* Warm up (connection, metadata) for one second, then count. */
    for (int i = 0; i < in_flight; i++) produce_one();
    double warm_until = now() + 1.0;
    while (now() < warm_until) rd_kafka_poll(rk, 100);
    long long acks0 = acks, failed0 = failed;
    double start = now(), end = start + seconds;
    while (now() < end) rd_kafka_poll(rk, 100);
    double elapsed = now() - start;
    long long counted = acks - acks0;
    producing = 0;
    printf("in_flight=%d acks=%lld seconds=%.2f acks_per_second=%.0f failed=%lld\n", in_flight, counted, elapsed,
           counted / elapsed, failed - failed0);
    rd_kafka_flush(rk, 5000);
    rd_kafka_topic_destroy(topic);
    rd_kafka_destroy(rk);
    return 0;
}
