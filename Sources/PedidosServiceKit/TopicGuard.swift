import Logging
import PedidosDomain
import PedidosKafka
import ServiceLifecycle

/// Creates the state topics at start-up and re-creates any that disappear (the embedded broker keeps
/// topics only in memory, so a broker restart drops them; without this the first produce would
/// auto-create a topic with the broker's default of 4 partitions).
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

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await ensureTopics() } catch { logger.debug("topic check failed: \(error)") }
                try? await Task.sleep(for: interval)
            }
        }
    }
}
