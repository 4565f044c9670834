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
        /// The caller's deadline passed before the message was acknowledged (it may still be delivered
        /// later, unless `message.timeout.ms` is shorter than the deadline).
        case deadlineExceeded
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

    public var description: String { "Kafka error (\(kind), code \(code)): \(message)" }

    static let closed = KafkaError(kind: .closed, message: "the Kafka client is closed")
}
