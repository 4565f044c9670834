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

    @Test("after the memory broker restarts, every record the producer had acknowledged is read back, and every partition takes records again")
    func acknowledgedRecordsSurviveTopicRecreation() async throws {
        let partitions: [Int32] = [0, 1, 2]
        let topic = try await KafkaTestSupport.makeTopic("recreada", partitions: partitions.count)
        let admin = try KafkaAdmin(configuration: KafkaTestSupport.configuration(), logger: KafkaTestSupport.logger)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.configuration(),
                                         properties: ["message.timeout.ms": "5000"], logger: KafkaTestSupport.logger)
        // The handle learns the topic's partitions and leader.
        for partition in partitions {
            _ = try await producer.send(KafkaProducerRecord(topic: topic, partition: partition, value: Array("antes-\(partition)".utf8)))
        }
        try TestEnvironment.infra("kill", "kafka")
        // From now on senders publish, to a chosen partition and by key: an acknowledgement can only come from
        // the restarted broker, which is back without the topic, and a record it acknowledges must be stored
        // where a consumer of the re-created topic reads it.
        let acknowledged = LockedValue<[String]>([])
        let stop = LockedValue(false)
        // When the broker answered again, and which senders had a send settle (acknowledged or not) since.
        let backAt = LockedValue<ContinuousClock.Instant?>(nil)
        let settled = LockedValue<Set<String>>([])
        let senders = Task {
            await withTaskGroup(of: Void.self) { group in
                for partition in partitions {
                    for (name, chosen) in [("elegida", Optional(partition)), ("clave", nil)] {
                        group.addTask {
                            var index = 0
                            while !stop.value {
                                let value = "\(name)-\(partition)-\(index)"
                                index += 1
                                let record = KafkaProducerRecord(topic: topic, partition: chosen, key: Array(value.utf8), value: Array(value.utf8))
                                let started = ContinuousClock.now
                                let delivered = (try? await producer.send(record, deadline: .now + .seconds(2))) != nil
                                if delivered { acknowledged.withValue { $0.append(value) } }
                                if let back = backAt.value, started >= back {
                                    settled.withValue { _ = $0.insert("\(name)-\(partition)") }
                                }
                                if !delivered { try? await Task.sleep(for: .milliseconds(20)) }
                            }
                        }
                    }
                }
            }
        }
        try TestEnvironment.infra("up", "kafka")
        backAt.withValue { $0 = .now }
        // As the services' TopicGuard does within its period, the topic comes back a while after the broker:
        // here once every sender has had a send settle on the restarted broker.
        try await waitUntil("every sender had a send settle before the topic is re-created", timeout: .seconds(30), poll: .milliseconds(50)) {
            settled.value.count == partitions.count * 2
        }
        // Once the topic exists again (as the services' TopicGuard brings it back), every partition takes records.
        for partition in partitions {
            let value = "despues-\(partition)"
            try await waitUntil("partition \(partition) takes a record after the restart", timeout: .seconds(60), poll: .milliseconds(200)) {
                _ = try? await admin.ensureTopics([.init(name: topic, partitions: partitions.count)])
                let record = KafkaProducerRecord(topic: topic, partition: partition, value: Array(value.utf8))
                guard (try? await producer.send(record, deadline: .now + .seconds(3))) != nil else { return false }
                acknowledged.withValue { $0.append(value) }
                return true
            }
        }
        stop.withValue { $0 = true }
        await senders.value
        let consumer = try KafkaConsumer(configuration: KafkaTestSupport.configuration(), groupID: TestEnvironment.uniqueName("recreada"),
                                         topics: [topic], logger: KafkaTestSupport.logger)
        let collector = KafkaTestSupport.Collector(consumer)
        let expected = Set(acknowledged.value)
        do {
            try await waitUntil("the \(expected.count) acknowledged records read back", timeout: .seconds(40), poll: .milliseconds(100)) {
                expected.isSubset(of: Set(collector.messages.compactMap(\.valueString)))
            }
        } catch {
            Issue.record("acknowledged but never read: \(expected.subtracting(collector.messages.compactMap(\.valueString)).sorted())")
        }
        print("[tema-recreado] \(expected.count) records acknowledged after the restart, \(collector.messages.count) read back")
        await collector.stop()
        await producer.close()
    }
}
