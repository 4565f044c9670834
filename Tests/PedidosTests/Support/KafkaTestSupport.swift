import Foundation
import Logging
@testable import PedidosKafka

/// Shared set-up for tests against the real broker that `scripts/test.sh` starts.
enum KafkaTestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "pedidos.tests.kafka")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    static func configuration(clientID: String = "pedidos-tests") throws -> KafkaConfiguration {
        var environment = ProcessInfo.processInfo.environment
        environment["KAFKA_BROKERS"] = try TestEnvironment.kafkaBrokers()
        return try KafkaConfiguration(environment: environment, clientID: clientID)
    }

    /// Creates a uniquely named topic with `partitions` partitions and returns its name.
    static func makeTopic(_ prefix: String, partitions: Int) async throws -> String {
        let name = TestEnvironment.uniqueName(prefix)
        let admin = try KafkaAdmin(configuration: configuration(), logger: logger)
        try await admin.ensureTopics([.init(name: name, partitions: partitions)])
        return name
    }

    /// Collects consumer events in the background so tests can wait on what arrived.
    final class Collector: Sendable {
        let consumer: KafkaConsumer
        private let received = LockedValue<[KafkaMessage]>([])
        private let assignments = LockedValue<Set<TopicPartition>>([])
        private let task: Task<Void, any Error>

        init(_ consumer: KafkaConsumer, onMessage: @escaping @Sendable (KafkaMessage, KafkaConsumer) throws -> Void = { _, _ in }) {
            self.consumer = consumer
            let received = self.received
            let assignments = self.assignments
            task = Task {
                for try await event in consumer.events {
                    switch event {
                    case .message(let message):
                        try onMessage(message, consumer)
                        received.withValue { $0.append(message) }
                    case .assigned(let partitions):
                        assignments.withValue { $0.formUnion(partitions) }
                    case .revoked(let partitions):
                        assignments.withValue { $0.subtract(partitions) }
                    }
                }
            }
        }

        var messages: [KafkaMessage] { received.value }
        var assigned: Set<TopicPartition> { assignments.value }

        func stop() async {
            await consumer.close()
            _ = try? await task.value
        }
    }
}

/// A tiny lock-protected box for test bookkeeping.
final class LockedValue<Value: Sendable>: Sendable {
    private let lock = NSLock()
    nonisolated(unsafe) private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func withValue<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&stored) }
    }
}
