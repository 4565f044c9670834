import Logging
import PedidosSupport

/// Topic administration: create topics with a partition count and config if they are missing.
public final class KafkaAdmin: Sendable {
    /// A topic to create.
    public struct TopicSpec: Sendable, Hashable {
        public var name: String
        public var partitions: Int
        public var replicationFactor: Int
        public var config: [String: String]

        public init(name: String, partitions: Int, replicationFactor: Int = 1, config: [String: String] = [:]) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.config = config
        }
    }

    private let client: RDKafkaClient
    private let logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger) throws {
        var properties = configuration.commonProperties
        properties.merge(configuration.properties) { _, new in new }
        self.logger = logger
        client = try RDKafkaClient(kind: .producer, properties: properties, callbacks: RDKafkaCallbacks(logger: logger))
    }

    /// Creates every topic in `specs` that does not exist yet. Topics that already exist are left as they
    /// are (idempotent). Returns the names it created. Throws within `timeout` if the cluster is unreachable.
    @discardableResult
    public func ensureTopics(_ specs: [TopicSpec], timeout: Duration = .seconds(10)) async throws -> [String] {
        let client = self.client
        let milliseconds = timeout.int32Milliseconds
        return try await runBlocking { try client.createTopics(specs, timeoutMilliseconds: milliseconds) }
    }

    /// Deletes the named topics (and every record in them); topics that do not exist are skipped. Returns
    /// the names it deleted. For operators and fault-injection tests.
    @discardableResult
    public func deleteTopics(_ names: [String], timeout: Duration = .seconds(10)) async throws -> [String] {
        let client = self.client
        let milliseconds = Int32(timeout.components.seconds * 1000)
        return try await runBlocking { try client.deleteTopics(names, timeoutMilliseconds: milliseconds) }
    }

    /// Partition counts of the topics that exist, from a metadata request.
    public func partitionCounts(timeout: Duration = .seconds(5)) async throws -> [String: Int] {
        let client = self.client
        let milliseconds = timeout.int32Milliseconds
        return try await runBlocking { try client.metadata(timeoutMilliseconds: milliseconds).topics }
    }
}
