#ifndef PEDIDOS_CRDKAFKA_SHIM_H
#define PEDIDOS_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>

/* rd_kafka_producev is variadic, which Swift cannot call; this fixed-signature wrapper is the one
   produce entry point of the Swift layer. On success librdkafka owns `headers`; on failure the caller
   still owns them. A timestamp of 0 means "now" (librdkafka's default). */
static inline rd_kafka_resp_err_t pedidos_rd_kafka_produce(
    rd_kafka_t *rk, const char *topic, int32_t partition,
    const void *key, size_t key_len, void *value, size_t value_len,
    int64_t timestamp_ms, rd_kafka_headers_t *headers, void *msg_opaque) {
    return rd_kafka_producev(
        rk,
        RD_KAFKA_V_TOPIC(topic),
        RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, key_len),
        RD_KAFKA_V_VALUE(value, value_len),
        RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_OPAQUE(msg_opaque),
        RD_KAFKA_V_END);
}
#endif
