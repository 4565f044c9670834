import CRDKafka

/// An error from the Kafka layer. `code` is librdkafka's error code (negative values are client-side
/// errors such as a timed-out message, positive ones come from the broker); `message` is readable.
public struct KafkaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is, for callers that react differently (retry, recreate, give up).
    public enum Kind: Sendable, Equatable {
        /// A configuration property was rejected.
        case configuration
        /// The broker could not be reached or did not answer in time.
        case unavailable
        /// The message was not acknowledged before `message.timeout.ms`.
        case timedOut
        /// The client handle hit a fatal error (idempotence broken); the producer recreates its handle.
        case fatal
        /// The client was closed before the operation finished.
        case closed
        /// Any other librdkafka or broker error.
        case other
    }

    public let kind: Kind
    /// librdkafka's `rd_kafka_resp_err_t` value (0 when the error did not come from librdkafka).
    public let code: Int32
    public let message: String

    public init(kind: Kind, code: Int32 = 0, message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

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

    public var description: String { "Kafka error (\(kind), code \(code)): \(message)" }

    static let closed = KafkaError(kind: .closed, message: "the Kafka client is closed")
}
