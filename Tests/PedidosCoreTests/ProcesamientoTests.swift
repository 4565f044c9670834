import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import PedidosCore

@Suite("procesamiento: pending transitions (unit)")
struct PendingTransitionsTests {
    func entry(_ partition: Int32, _ offset: Int64, dueIn seconds: Double, now: Date) -> PendingTransitions.Entry {
        let message = KafkaMessage(topic: "t", partition: partition, offset: offset, key: nil, value: [], headers: [],
                                   timestampMilliseconds: nil)
        return .init(message: message, pedido: nil, due: now.addingTimeInterval(seconds))
    }

    @Test("a record due later than the horizon pauses its partition; due records are handed out in order")
    func pauseAndDue() throws {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 10, horizon: .milliseconds(100))
        #expect(pending.enqueue(entry(0, 0, dueIn: 1, now: now), now: now) == .queued(pause: true))
        #expect(pending.enqueue(entry(0, 1, dueIn: 1.1, now: now), now: now) == .queued(pause: false))
        #expect(pending.enqueue(entry(1, 0, dueIn: 0.05, now: now), now: now) == .queued(pause: false))

        let early = pending.takeWork(now: now)
        #expect(early.due.isEmpty)
        #expect(early.nextWake == now.addingTimeInterval(0.05))

        let later = pending.takeWork(now: now.addingTimeInterval(1.05))
        #expect(later.due[TopicPartition(topic: "t", partition: 0)]?.entries.map(\.message.offset) == [0])
        #expect(later.due[TopicPartition(topic: "t", partition: 1)]?.entries.map(\.message.offset) == [0])
        // Partition 0's newest record is due within the horizon: resume it so the next ones are fetched early.
        #expect(later.resume == [TopicPartition(topic: "t", partition: 0)])
        // While a batch is in flight, the partition is not handed out again.
        #expect(pending.takeWork(now: now.addingTimeInterval(2)).due[TopicPartition(topic: "t", partition: 0)] == nil)
        let batch = try #require(later.due[TopicPartition(topic: "t", partition: 0)])
        #expect(pending.finish(batch, completed: 1) == nil)
        #expect(pending.takeWork(now: now.addingTimeInterval(2)).due[TopicPartition(topic: "t", partition: 0)]?.entries.map(\.message.offset) == [1])
    }

    @Test("a full queue drops records and asks for a seek back to the first dropped offset once drained")
    func overflowSeeksBack() throws {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 2, horizon: .milliseconds(100))
        _ = pending.enqueue(entry(0, 0, dueIn: 0, now: now), now: now)
        _ = pending.enqueue(entry(0, 1, dueIn: 0, now: now), now: now)
        #expect(pending.enqueue(entry(0, 2, dueIn: 0, now: now), now: now) == .dropped(pause: true))
        #expect(pending.enqueue(entry(0, 3, dueIn: 0, now: now), now: now) == .dropped(pause: false))
        let work = pending.takeWork(now: now)
        let batch = try #require(work.due[TopicPartition(topic: "t", partition: 0)])
        #expect(batch.entries.count == 2)
        #expect(work.resume.isEmpty)
        #expect(pending.finish(batch, completed: 2) == 2)
        #expect(pending.takeWork(now: now).resume == [TopicPartition(topic: "t", partition: 0)])
    }

    @Test("a batch that outlives its partition (revoked, then assigned back) leaves the new queue alone")
    func batchOfARevokedPartition() throws {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 10, horizon: .milliseconds(100))
        let partition = TopicPartition(topic: "t", partition: 0)
        _ = pending.enqueue(entry(0, 5, dueIn: 0, now: now), now: now)
        let stale = try #require(pending.takeWork(now: now).due[partition])

        // Revoked while the batch is being published, then assigned back: the records from the
        // committed offset on are fetched again into a new queue.
        pending.drop([partition])
        _ = pending.enqueue(entry(0, 5, dueIn: 0, now: now), now: now)
        _ = pending.enqueue(entry(0, 6, dueIn: 0, now: now), now: now)

        #expect(pending.finish(stale, completed: 1) == nil)
        let fresh = try #require(pending.takeWork(now: now).due[partition])
        #expect(fresh.entries.map(\.message.offset) == [5, 6])
        #expect(fresh.epoch != stale.epoch)
        #expect(pending.depths[partition] == 2)
    }

    @Test("durations parse from the environment's notation")
    func durations() throws {
        #expect(try DurationParsing.parse("250ms") == .milliseconds(250))
        #expect(try DurationParsing.parse("5s") == .seconds(5))
        #expect(try DurationParsing.parse("1.5s") == .milliseconds(1500))
        #expect(try DurationParsing.parse("2m") == .seconds(120))
        #expect(throws: DurationParsing.Invalid.self) { try DurationParsing.parse("soon") }
        let environment = ServiceEnvironment(["PEDIDOS_DELAY": "300ms", "PEDIDOS_DELAY_PREPARANDO": "1s"])
        #expect(try environment.delay(for: .recibido) == .milliseconds(300))
        #expect(try environment.delay(for: .preparando) == .seconds(1))
    }
}

@Suite("procesamiento against the broker", .timeLimit(.minutes(2)))
struct ProcesamientoTests {
    @Test("orders walk recibido → finalizado, each state at least N after the previous, every partition flowing")
    func ordersWalkThroughStates() async throws {
        Observability.bootstrapMetricsOnly()
        let delay = Duration.milliseconds(300)
        let prefix = TestEnvironment.uniqueName("proc") + "-"
        let topics = PedidoTopics(prefix: prefix)
        let kafka = try KafkaTestSupport.configuration(clientID: "proc-test")
        let logger = KafkaTestSupport.logger
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.ensureTopics(topics.all.map { .init(name: $0, partitions: 6) })

        let producer = try KafkaProducer(configuration: kafka, logger: logger)
        let stages = try Estado.processingStages.map {
            try ProcessingStage(estado: $0, delay: delay, topics: topics, kafka: kafka, producer: producer, logger: logger)
        }
        let group = ServiceGroup(services: stages, gracefulShutdownSignals: [], logger: logger)
        let running = Task { try await group.run() }

        // Every state topic is read by a test consumer that records when each order got there.
        let watcher = try KafkaConsumer(configuration: kafka, groupID: TestEnvironment.uniqueName("watch"),
                                        topics: Array(topics.all.dropFirst()), logger: logger)
        let seen = KafkaTestSupport.Collector(watcher)

        let count = 60
        var sentAt: [Int64: Date] = [:]
        for index in 0..<count {
            let id = Int64(1_000_000 + index)
            let pedido = Pedido(id: id, nombre: "Pedido \(index)", precio: try Precio(literal: "759.000"),
                                correo: "p\(index)@example.com", estado: .recibido)
            let now = Date()
            sentAt[id] = now
            try await producer.send(PedidoMessage.record(for: pedido, enteredAt: now, topics: topics))
        }
        try await waitUntil("\(count) orders finalizado", timeout: .seconds(60), poll: .milliseconds(100)) {
            seen.messages.filter { $0.topic == topics.topic(for: .finalizado) }.count >= count
        }

        var byOrder: [Int64: [Estado: KafkaMessage]] = [:]
        for message in seen.messages {
            let pedido = try PedidoMessage.decode(message, topics: topics)
            #expect(pedido.precio.text == "759.000")
            byOrder[pedido.id, default: [:]][pedido.estado] = message
        }
        #expect(byOrder.count == count)
        for (id, states) in byOrder {
            let times = [sentAt[id]!] + [Estado.preparando, .entregando, .finalizado].map { states[$0]!.timestamp! }
            for (earlier, later) in zip(times, times.dropFirst()) {
                // Kafka timestamps have millisecond resolution.
                #expect(later.timeIntervalSince(earlier) >= delay.seconds - 0.002, "order \(id) moved on too early")
            }
            // Same key, same partition number, in every state topic.
            #expect(Set(states.values.map(\.partition)).count == 1)
        }
        await seen.stop()
        await group.triggerGracefulShutdown()
        try await running.value
        await producer.close()
    }
}
