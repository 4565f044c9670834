import Foundation
import Testing
@testable import PedidosCore

/// Unit tests on librdkafka's in-process mock cluster (no broker needed).
@Suite("Kafka layer on the mock cluster")
struct KafkaMockClusterTests {
    @Test("an idempotent acks=all producer gets delivery reports from a 3-broker mock cluster")
    func mockClusterDelivery() async throws {
        let configuration = KafkaConfiguration(brokers: "", clientID: "mock", properties: ["test.mock.num.brokers": "3"])
        let producer = try KafkaProducer(configuration: configuration, logger: KafkaTestSupport.logger)
        var offsets: [Int64] = []
        for index in 0..<5 {
            let report = try await producer.send(KafkaProducerRecord(topic: "mock-topic", partition: 0, value: Array("m\(index)".utf8)))
            offsets.append(report.offset)
        }
        #expect(offsets == Array(0..<5))
        #expect(try await producer.checkConnection(timeout: .seconds(5)) == 3)
        await producer.close()
    }

    @Test("KAFKA_PROFILE selects the documented settings and rejects unknown values")
    func profiles() throws {
        let embedded = try KafkaConfiguration(environment: ["KAFKA_BROKERS": "a:1"], clientID: "x")
        #expect(embedded.profile == .embedded && embedded.brokers == "a:1")
        #expect(embedded.profile.consumerProperties["session.timeout.ms"] == "6000")
        let cluster = try KafkaConfiguration(environment: ["KAFKA_PROFILE": "cluster"], clientID: "x")
        #expect(cluster.profile.replicationFactor == 3)
        #expect(throws: KafkaError.self) { _ = try KafkaConfiguration(environment: ["KAFKA_PROFILE": "bogus"], clientID: "x") }
    }
}
