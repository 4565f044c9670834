import Logging
import PedidosDomain
import PedidosKafka
import ServiceLifecycle

/// Creates the state topics at start-up and re-creates any that disappear (the embedded broker keeps
/// topics only in memory, so a broker restart drops them). Our clients never auto-create topics
/// (``KafkaConfiguration``), so this is the only place they come from; a topic found with another
/// partition count (created by someone else) is logged as an error once per change, since records
/// would then be keyed to other partitions than the configured count says.
public struct TopicGuard: Service {
    let admin: KafkaAdmin
    let specs: [KafkaAdmin.TopicSpec]
    let interval: Duration
    let logger: Logger

    public init(configuration: KafkaConfiguration, topics: PedidoTopics, partitions: Int,
                interval: Duration = .seconds(5), logger: Logger) throws {
        admin = try KafkaAdmin(configuration: configuration, logger: logger)
        // The state topics and the dead-letter topic (DeadLetterPublisher).
        specs = (topics.all + [topics.deadLetter]).map {
            KafkaAdmin.TopicSpec(name: $0, partitions: partitions,
                                 replicationFactor: configuration.profile.replicationFactor,
                                 config: configuration.profile.topicConfig)
        }
        self.interval = interval
        self.logger = logger
    }

    /// Creates the missing topics now (used before the services start consuming).
    @discardableResult
    public func ensureTopics() async throws -> [String] {
        let created = try await admin.ensureTopics(specs)
        if !created.isEmpty { logger.info("created topics", metadata: ["topics": "\(created)"]) }
        return created
    }

    /// The partition count the broker reports for `topic`, nil when it does not exist.
    public func partitionCount(of topic: String) async throws -> Int? {
        try await admin.partitionCounts()[topic]
    }

    /// The topics whose partition count differs from the configured one, with the count found.
    func mismatchedPartitionCounts() async throws -> [String: Int] {
        let counts = try await admin.partitionCounts()
        var mismatched: [String: Int] = [:]
        for spec in specs {
            if let count = counts[spec.name], count != spec.partitions { mismatched[spec.name] = count }
        }
        return mismatched
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var reported: [String: Int] = [:]
            while !Task.isCancelled {
                do {
                    try await ensureTopics()
                    let mismatched = try await mismatchedPartitionCounts()
                    if mismatched != reported, !mismatched.isEmpty {
                        logger.error("topics with another partition count than configured", metadata: [
                            "found": "\(mismatched.sorted { $0.key < $1.key })", "configured": "\(specs.first?.partitions ?? 0)"])
                    }
                    reported = mismatched
                } catch {
                    logger.debug("topic check failed: \(error)")
                }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
