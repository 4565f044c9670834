/// How often a service's Kafka clients talk to the broker: the producer's `linger.ms` and the consumers'
/// `fetch.wait.max.ms`, read from `<SERVICE>_KAFKA_LINGER` and `<SERVICE>_KAFKA_FETCH_WAIT`.
///
/// Why they matter on the embedded broker (Tansu 0.6, memory storage; see docs/rendimiento.md): every
/// produced batch is stored as one object and kept for ever (no retention), and every fetch that finds new
/// data in a partition lists *all* the objects stored in that partition. So the broker's work grows with
/// (objects per topic) × (fetches per second of each group that reads it): fewer, larger batches (a longer
/// linger) and fewer fetches (a longer fetch wait) keep it from growing as fast. Measured against Tansu
/// (docs/resultados/registrador-20261204/sonda-fetch.txt), a record produced while a fetch waits arrives
/// within about half the wait, and a consumer sends about 2 / wait fetches per second (10/s with 200 ms):
/// half the wait is the latency of that hop, and the wait sets how often the partitions are listed. The
/// Kafka timestamp of a record is set when it is produced (the transition's instant), so neither changes
/// transition lateness; both add to mail latency. `fetch.min.bytes` stays 1: with more, Tansu repeats the
/// whole fetch (and its listings) until the wait is over.
public struct BrokerLoadSettings: Sendable, Equatable {
    /// The producer's `linger.ms`: records of one partition produced within it travel as one batch.
    public var linger: Duration
    /// The consumers' `fetch.wait.max.ms`: how long the broker may hold a fetch (Tansu answers one that finds
    /// new records after about half of it).
    public var fetchWait: Duration

    public init(linger: Duration, fetchWait: Duration) {
        self.linger = linger
        self.fetchWait = fetchWait
    }

    /// Reads `<service>_KAFKA_LINGER` and `<service>_KAFKA_FETCH_WAIT` (durations such as `50ms`), or the
    /// given defaults.
    public init(environment: ServiceEnvironment, service: String, linger: Duration, fetchWait: Duration) throws {
        self.linger = try environment.duration("\(service)_KAFKA_LINGER", default: linger)
        self.fetchWait = try environment.duration("\(service)_KAFKA_FETCH_WAIT", default: fetchWait)
    }

    /// librdkafka settings for the service's producer.
    public var producerProperties: [String: String] { ["linger.ms": Self.milliseconds(linger)] }

    /// librdkafka settings for the service's consumers.
    public var consumerProperties: [String: String] { ["fetch.wait.max.ms": Self.milliseconds(fetchWait)] }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
