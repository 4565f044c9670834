import Foundation

/// What the services know about the embedded broker's storage (`EMBEDDED_KAFKA_STORAGE`, written to
/// `.run/infra.env` by `scripts/infra.sh`), for the two client settings that depend on it.
enum EmbeddedBrokerStorage {
    /// Whether the broker is the embedded Tansu on its durable S3 storage (`EMBEDDED_KAFKA_STORAGE=s3`
    /// with `KAFKA_PROFILE=embedded`): it keeps topics, groups and committed offsets when it restarts.
    static let isDurable: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["EMBEDDED_KAFKA_STORAGE"] == "s3" && environment["KAFKA_PROFILE", default: "embedded"] == "embedded"
    }()

    /// Producer settings for that broker. Tansu 0.6.0 on S3 records an idempotent producer's sequence
    /// before the batch: a kill -9 between the two made the producer's retry come back as "duplicate",
    /// which librdkafka takes as delivered, and the record was lost (1 order in 3 of 6 runs of
    /// `BrokerRestartFaultTests`; none in 3 without idempotence). Without it a retry may write a record
    /// twice, which every consumer already tolerates (transitions and mails are idempotent).
    static var producerProperties: [String: String] { isDurable ? ["enable.idempotence": "false"] : [:] }
}
