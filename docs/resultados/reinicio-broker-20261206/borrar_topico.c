/* Deletes one topic through librdkafka's Admin API (for experimento.sh ... borrado): borrar_topico BROKERS TOPIC */
#include <stdio.h>
#include <string.h>
#include <librdkafka/rdkafka.h>
int main(int argc, char **argv) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err, sizeof err);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopic_t *t = rd_kafka_DeleteTopic_new(argv[2]);
    rd_kafka_DeleteTopics(rk, &t, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 10000);
    const rd_kafka_DeleteTopics_result_t *res = rd_kafka_event_DeleteTopics_result(ev);
    size_t n; const rd_kafka_topic_result_t **r = rd_kafka_DeleteTopics_result_topics(res, &n);
    for (size_t i = 0; i < n; i++) printf("deleted %s: %s\n", rd_kafka_topic_result_name(r[i]), rd_kafka_err2str(rd_kafka_topic_result_error(r[i])));
    rd_kafka_event_destroy(ev); rd_kafka_DeleteTopic_destroy(t); rd_kafka_queue_destroy(q); rd_kafka_destroy(rk);
    return 0;
}
