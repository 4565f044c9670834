import Foundation
import Testing
@testable import PedidosKafka

/// Fault injection on the shared broker. Suites named `…FaultTests` run serially in their own phase of
/// `scripts/test.sh`, because they stop services other tests use.
@Suite("Kafka faults", .serialized, .timeLimit(.minutes(3)))
struct KafkaFaultTests {
    @Test("the producer survives a broker kill -9 and restart without being recreated by the caller")
    func producerSurvivesBrokerRestart() async throws {
        let topic = try await KafkaTestSupport.makeTopic("restart", partitions: 1)
        let admin = try KafkaAdmin(configuration: KafkaTestSupport.configuration(), logger: KafkaTestSupport.logger)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.configuration(),
                                         properties: ["message.timeout.ms": "5000"], logger: KafkaTestSupport.logger)
        let before = try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "before"))
        #expect(before.offset == 0)

        try TestEnvironment.infra("kill", "kafka")
        // While the broker is gone, a send fails within its message timeout instead of hanging.
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "during"))
        }
        #expect(clock.now - started < .seconds(8))

        try TestEnvironment.infra("up", "kafka")
        // The memory-only broker lost everything, the topic too: it comes back as the services' TopicGuard
        // brings it back, and the same producer object must publish again.
        var delivered: KafkaDeliveryReport?
        try await waitUntil("a send succeeds after the restart", timeout: .seconds(60), poll: .milliseconds(200)) {
            _ = try? await admin.ensureTopics([.init(name: topic, partitions: 1)])
            delivered = try? await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "after"))
            return delivered != nil
        }
        #expect(delivered?.topicPartition.topic == topic)
        // And it keeps working for ordinary sends afterwards.
        for index in 0..<10 {
            _ = try await producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "after-\(index)"))
        }
        await producer.close()
    }
}
