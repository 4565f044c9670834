import Testing
@testable import PedidosKafka
@testable import PedidosDomain
@testable import PedidosServiceKit

/// ``TopicGuard`` against the real embedded broker.
@Suite("Topic guard", .timeLimit(.minutes(2)))
struct TopicGuardTests {
    @Test("creates the missing topics with the configured count and names a topic found with another count")
    func createsAndReportsMismatches() async throws {
        let topics = PedidoTopics(prefix: TestEnvironment.uniqueName("guardia"))
        let admin = try KafkaAdmin(configuration: KafkaTestSupport.configuration(), logger: KafkaTestSupport.logger)
        // Someone else created one of them first, as a broker's auto-creation would (Tansu: 4 partitions).
        let foreign = topics.topic(for: .preparando)
        try await admin.ensureTopics([.init(name: foreign, partitions: 4)])

        let guardian = try TopicGuard(configuration: KafkaTestSupport.configuration(), topics: topics, partitions: 6,
                                      logger: KafkaTestSupport.logger)
        let created = try await guardian.ensureTopics()
        #expect(Set(created) == Set(topics.all + [topics.deadLetter]).subtracting([foreign]))
        let counts = try await admin.partitionCounts()
        for name in topics.all + [topics.deadLetter] where name != foreign { #expect(counts[name] == 6, "\(name)") }
        #expect(try await guardian.mismatchedPartitionCounts() == [foreign: 4])
        #expect(try await guardian.ensureTopics().isEmpty, "a second check creates nothing")
    }
}
