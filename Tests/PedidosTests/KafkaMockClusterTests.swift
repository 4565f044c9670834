import Foundation
import Testing
@testable import PedidosKafka

/// Unit tests on librdkafka's in-process mock cluster (no broker needed).
@Suite("Kafka layer on the mock cluster")
struct KafkaMockClusterTests {
    @Test("an idempotent acks=all producer gets delivery reports from a 3-broker mock cluster")
    func mockClusterDelivery() async throws {
        // The mock cluster lives inside this one client, so no admin can create the topic beforehand: this
        // test alone lets the producer's metadata request create it (the services never do).
        let configuration = KafkaConfiguration(brokers: "", clientID: "mock", properties: [
            "test.mock.num.brokers": "3", "allow.auto.create.topics": "true"])
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

    @Test("KAFKA_PROPERTIES passes librdkafka properties through; malformed pairs and unknown names are refused")
    func extraProperties() async throws {
        let configuration = try KafkaConfiguration(environment: [
            "KAFKA_PROPERTIES": " security.protocol=SASL_SSL ;sasl.password=a=b\nlinger.ms=0;;",
            "KAFKA_DEBUG": "broker",
        ], clientID: "x")
        #expect(configuration.properties == [
            "security.protocol": "SASL_SSL", "sasl.password": "a=b", "linger.ms": "0", "debug": "broker",
        ])
        for bad in ["linger.ms", "=5", "linger.ms=0;acks"] {
            #expect(throws: KafkaError.self, "\(bad)") {
                _ = try KafkaConfiguration(environment: ["KAFKA_PROPERTIES": bad], clientID: "x")
            }
        }
        // Applied after the profile, and checked by librdkafka when the client is made.
        var mock = configuration
        mock.brokers = ""
        mock.properties = ["test.mock.num.brokers": "1", "linger.ms": "0"]
        let producer = try KafkaProducer(configuration: mock, logger: KafkaTestSupport.logger)
        await producer.close()
        mock.properties = ["no.such.property": "1"]
        let error = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: mock, logger: KafkaTestSupport.logger) }
        #expect(error?.kind == .configuration)
    }

    @Test("a rejected property never echoes its value, which may be a secret")
    func secretsStayOutOfErrors() throws {
        let secret = "s3cr3t-\(UInt32.random(in: 0...UInt32.max))"
        let malformed = #expect(throws: KafkaError.self) {
            _ = try KafkaConfiguration(environment: ["KAFKA_PROPERTIES": "linger.ms=0;sasl.password\(secret)"], clientID: "x")
        }
        #expect(malformed.map { !"\($0)".contains(secret) } == true)
        #expect(malformed.map { "\($0)".contains("entry 2") } == true)

        var mock = KafkaConfiguration(brokers: "", clientID: "x", properties: ["test.mock.num.brokers": "1"])
        mock.properties["security.protocol"] = secret
        let rejected = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: mock, logger: KafkaTestSupport.logger) }
        #expect(rejected?.kind == .configuration)
        #expect(rejected.map { !"\($0)".contains(secret) } == true)
        #expect(rejected.map { "\($0)".contains("security.protocol") } == true)
    }
}
