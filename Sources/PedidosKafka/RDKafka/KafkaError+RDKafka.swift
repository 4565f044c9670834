internal import CRDKafka

/// Building ``KafkaError`` from librdkafka's error codes.
extension KafkaError {
    init(code: rd_kafka_resp_err_t, context: String? = nil) {
        let text = String(cString: rd_kafka_err2str(code))
        self.init(kind: Self.kind(of: code), code: code.rawValue,
                  message: context.map { "\($0): \(text)" } ?? text)
    }

    static func kind(of code: rd_kafka_resp_err_t) -> Kind {
        switch code {
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT,
             RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
            return .timedOut
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
             RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR__NODE_UPDATE,
             RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
             RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
            return .unavailable
        case RD_KAFKA_RESP_ERR__FATAL:
            return .fatal
        case RD_KAFKA_RESP_ERR__DESTROY, RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
            return .closed
        case RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            return .configuration
        default:
            return .other
        }
    }

    /// The broker no longer accepts this handle's idempotent-producer state (fenced, unknown producer id,
    /// stale epoch, sequence out of order): seen from every send after the embedded broker restarted
    /// empty. Only a fresh handle (a new producer id) gets records through again.
    var isStaleProducerState: Bool {
        [RD_KAFKA_RESP_ERR_PRODUCER_FENCED, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH, RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID,
         RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_ID_MAPPING]
            .contains { $0.rawValue == code }
    }

    /// The broker failed the write with an unknown error (Kafka's `UNKNOWN_SERVER_ERROR`). Tansu 0.6.0 answers
    /// so when the offset it gives a batch already holds an orphan: a batch it acknowledged while the topic
    /// was gone, left behind when the topic was created again (`docs/resultados/reinicio-broker-20261206/`).
    /// The write was not stored and its offsets are used up, so the next write to the partition goes past.
    var isUnknownBrokerError: Bool { code == RD_KAFKA_RESP_ERR_UNKNOWN.rawValue }

    /// librdkafka reported that no broker of the cluster can be reached.
    var isAllBrokersDown: Bool { code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue }
}
