import Foundation

/// What the services know about the embedded broker's storage (`EMBEDDED_KAFKA_STORAGE`, written to
/// `.run/infra.env` by `scripts/infra.sh`), for the client settings that depend on it (``KafkaConsumer``, ``KafkaProducer``).
/// (Its producers go without idempotence, as on the memory broker: ``KafkaProfile/producerProperties``.)
enum EmbeddedBrokerStorage {
    /// Whether the broker is the embedded Tansu on its durable S3 storage (`EMBEDDED_KAFKA_STORAGE=s3`
    /// with `KAFKA_PROFILE=embedded`): it keeps topics, groups and committed offsets when it restarts.
    static let isDurable: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return environment["EMBEDDED_KAFKA_STORAGE"] == "s3" && environment["KAFKA_PROFILE", default: "embedded"] == "embedded"
    }()
}
