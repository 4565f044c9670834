/// Client settings that differ between the embedded broker (Tansu) and a real Apache Kafka cluster.
/// This is the one place they live; `KAFKA_PROFILE` (`embedded` or `cluster`) selects one.
public enum KafkaProfile: String, Sendable, CaseIterable {
    /// The single-node, memory-only embedded broker used for development, tests and benchmarks.
    case embedded
    /// A replicated Apache Kafka cluster (three brokers, replication factor 3).
    case cluster

    /// Consumer group settings.
    ///
    /// - `session.timeout.ms`: Tansu completes a group join only after a session timeout's worth of
    ///   waiting for members, so the default 45 s makes every join slow (about 25 s); 6 s keeps joins
    ///   and failover quick. On a real cluster 45 s avoids needless rebalances on GC pauses.
    /// - `heartbeat.interval.ms`: about a third of the session timeout, as Kafka recommends.
    /// - `fetch.wait.max.ms`: Tansu does not answer a fetch as soon as data arrives: a new record reaches the
    ///   consumer within about half this wait (measured, docs/resultados/registrador-20261204), so it bounds
    ///   the latency of each hop; 100 ms on the embedded broker (the services set their own, see
    ///   `BrokerLoadSettings`). A real broker answers as soon as data arrives, so this only matters when idle
    ///   and the default 500 ms is fine.
    /// - `max.poll.interval.ms` (embedded): 30 s, ample for consume loops that poll continuously. It is also
    ///   the rebalance timeout a join announces; Tansu 0.6.0 stores that value but does not act on it (an
    ///   earlier reading blamed it for a stage left without partitions after a broker restart: the cause
    ///   was a leader leaving a forming group, see ``KafkaConsumer``).
    public var consumerProperties: [String: String] {
        switch self {
        case .embedded:
            return ["session.timeout.ms": "6000", "heartbeat.interval.ms": "1000", "fetch.wait.max.ms": "100",
                    "max.poll.interval.ms": "30000"]
        case .cluster:
            return ["session.timeout.ms": "45000", "heartbeat.interval.ms": "3000", "fetch.wait.max.ms": "500"]
        }
    }

    /// Producer settings: every write acknowledged by all in-sync replicas; `linger.ms` is small (orders
    /// are latency-sensitive and the volume is modest); `batch.num.messages` is ``maximumBatchRecords``.
    ///
    /// Idempotence only on a real cluster. Tansu (0.6.0) keeps an idempotent producer's state in a way
    /// librdkafka cannot recover from when the broker forgets: producer ids are allocated from 1 again after
    /// the memory broker restarts (a handle that lived through the restart shares its id with a new one), and
    /// sequence numbers are kept per topic *name*, surviving a topic deleted and re-created (librdkafka
    /// starts the new partitions at sequence 0). Either way the broker answers `DUPLICATE_SEQUENCE_NUMBER`
    /// to records it never stored, which librdkafka reports as delivered: the record is silently lost,
    /// for every send of the handle, until the sequences happen to line up again (seen in
    /// `ReconcilerFaultTests`: orders stuck in every stage, the reconciler's re-drives "delivered" and
    /// gone). Without idempotence a retry may write a record twice, which every consumer tolerates
    /// (transitions and mails are idempotent), and nothing the broker acknowledged is lost.
    ///
    /// On the embedded broker, **one produce request in flight per connection**. Tansu stores every produce
    /// request's batch as an object and lists all the objects of a partition on every fetch that finds new
    /// data, so its work grows with the objects stored. Without idempotence librdkafka's default allows a
    /// million requests in flight: every record left alone the moment it was produced, one object each, and
    /// the slower the broker got the more objects it had to list (a sustained 250 orders/s accepted 89/s,
    /// the broker at 107 % of a core). With one in flight, what is produced while a request waits for its
    /// acknowledgement travels together in the next one: the slower the broker, the bigger the batches (the
    /// same run accepted 249.7/s, the broker at 42 %; `docs/rendimiento.md` §7). It also keeps records in
    /// order across retries, which idempotence would otherwise guarantee.
    public var producerProperties: [String: String] {
        var properties = ["acks": "all", "enable.idempotence": self == .cluster ? "true" : "false", "linger.ms": "2",
                          "batch.num.messages": String(Self.maximumBatchRecords)]
        if self == .embedded { properties["max.in.flight.requests.per.connection"] = "1" }
        return properties
    }

    /// The most records our producers put in one batch. Tansu 0.6.0 reports a partition's high watermark as
    /// its last batch's base offset + 1, not its real end, so a consumer's position can lie up to this many
    /// records past the reported end without anything being wrong (``KafkaConsumer`` allows for it before
    /// deciding that the broker forgot a partition).
    public static let maximumBatchRecords = 500

    /// Replication factor for the topics the services create.
    public var replicationFactor: Int { self == .embedded ? 1 : 3 }

    /// Topic-level settings for the topics the services create.
    public var topicConfig: [String: String] {
        switch self {
        case .embedded: return [:]
        case .cluster: return ["min.insync.replicas": "2"]
        }
    }
}
