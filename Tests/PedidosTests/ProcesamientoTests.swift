import Foundation
import Logging
import ServiceLifecycle
import Testing
@testable import PedidosSupport
@testable import PedidosKafka
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import ProcesamientoService

@Suite("procesamiento: pending transitions and the pause decision (unit)")
struct PendingTransitionsTests {
    func entry(_ partition: Int32, _ offset: Int64, dueIn seconds: Double, now: Date, producedAt: Date? = nil) -> PendingTransitions.Entry {
        let timestamp = producedAt.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) }
        let message = KafkaMessage(topic: "t", partition: partition, offset: offset, key: nil, value: [], headers: [],
                                   timestampMilliseconds: timestamp)
        return .init(message: message, pedido: nil, due: now.addingTimeInterval(seconds))
    }

    func latency(prior: Duration) -> ResumeLatencyEstimate {
        var estimate = ResumeLatencyEstimate()
        estimate.prior = prior
        return estimate
    }

    let p0 = TopicPartition(topic: "t", partition: 0)
    let p1 = TopicPartition(topic: "t", partition: 1)

    @Test("a long wait pauses its partition until its newest record is due minus the resume latency; due records are handed out in order")
    func pauseAndDue() throws {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 10, longWait: .milliseconds(500), resumeLatency: latency(prior: .milliseconds(100)))
        #expect(pending.enqueue(entry(0, 0, dueIn: 1, now: now), now: now) == .queued(pause: true))
        #expect(pending.enqueue(entry(0, 1, dueIn: 1.1, now: now), now: now) == .queued(pause: false))
        #expect(pending.enqueue(entry(1, 0, dueIn: 0.05, now: now), now: now) == .queued(pause: false))

        let early = pending.takeWork(now: now)
        #expect(early.due.isEmpty)
        #expect(early.nextWake == now.addingTimeInterval(0.05))
        // Not yet: the newest record of partition 0 is due at 1.1 s, the resume latency is 100 ms.
        let middle = pending.takeWork(now: now.addingTimeInterval(0.99))
        #expect(middle.resume.isEmpty)
        #expect(middle.due[p1]?.entries.map(\.message.offset) == [0])

        let later = pending.takeWork(now: now.addingTimeInterval(1.05))
        #expect(later.due[p0]?.entries.map(\.message.offset) == [0])
        #expect(later.resume == [p0])
        // A record due while the earlier batch waits for its acknowledgement is handed out at once.
        let next = try #require(pending.takeWork(now: now.addingTimeInterval(2)).due[p0])
        #expect(next.entries.map(\.message.offset) == [1])
        let batch = try #require(later.due[p0])
        #expect(pending.finish(batch, completed: 1) == .init(done: 1, seek: nil))
        #expect(pending.finish(next, completed: 1) == .init(done: 1, seek: nil))
        #expect(pending.depths[p0] == 0)
    }

    @Test("batches of a partition are finished in order; a failed one hands its rest and every later record out again")
    func failedBatchIsRetriedWithEverythingAfterIt() throws {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 10)
        for offset in 0..<3 { _ = pending.enqueue(entry(0, Int64(offset), dueIn: Double(offset) / 10, now: now), now: now) }
        let first = try #require(pending.takeWork(now: now).due[p0])
        let second = try #require(pending.takeWork(now: now.addingTimeInterval(0.1)).due[p0])
        let third = try #require(pending.takeWork(now: now.addingTimeInterval(0.2)).due[p0])
        #expect([first, second, third].map { $0.entries.map(\.message.offset) } == [[0], [1], [2]])
        // The first batch was not acknowledged: the later ones were published, but their offsets must not
        // be stored past it; everything from offset 0 on is handed out again (published twice, never skipped).
        #expect(pending.finish(first, completed: 0).done == 0)
        #expect(pending.finish(second, completed: 1).done == 0)
        #expect(pending.finish(third, completed: 1).done == 0)
        let retry = try #require(pending.takeWork(now: now.addingTimeInterval(0.3)).due[p0])
        #expect(retry.entries.map(\.message.offset) == [0, 1, 2])
        // While the partition is failing, a record falling due waits for the batch in flight (no flood).
        _ = pending.enqueue(entry(0, 3, dueIn: 0.35, now: now), now: now)
        let waiting = pending.takeWork(now: now.addingTimeInterval(0.4))
        #expect(waiting.due[p0] == nil)
        // Nor does the dispatcher spin on it: the batch's finish wakes it.
        #expect(waiting.nextWake == nil)
        #expect(pending.finish(retry, completed: 3).done == 3)
        #expect(pending.takeWork(now: now.addingTimeInterval(0.4)).due[p0]?.entries.map(\.message.offset) == [3])
    }

    @Test("a steady trickle never pauses a partition whose queue stays within its bound", arguments: [
        (delay: 1.0, rate: 100.0), (delay: 1.0, rate: 500.0), (delay: 5.0, rate: 100.0), (delay: 5.0, rate: 500.0),
    ])
    func trickleNeverPauses(delay: Double, rate: Double) {
        let start = Date()
        // This broker's measured resume latency is hundreds of ms: plan with 500 ms.
        let pending = PendingTransitions(capacityPerPartition: 10_000, longWait: .seconds(30), resumeLatency: latency(prior: .milliseconds(500)))
        var pauses = 0
        var offset: Int64 = 0
        let records = Int(rate * 20)
        for index in 0..<records {
            let now = start.addingTimeInterval(Double(index) / rate)
            _ = pending.enqueue(entry(0, offset, dueIn: delay, now: now, producedAt: now), now: now, pause: { _ in pauses += 1 })
            offset += 1
            let work = pending.takeWork(now: now)
            for batch in work.due.values { _ = pending.finish(batch, completed: batch.entries.count) }
        }
        #expect(pauses == 0)
        #expect(pending.depths[p0] ?? 0 <= Int(rate * delay) + 1)
    }

    @Test("a queue that would outgrow its bound before its records are due pauses, and resumes the resume latency before they are")
    func memoryBoundPauses() throws {
        let start = Date()
        let pending = PendingTransitions(capacityPerPartition: 100, longWait: .seconds(30), resumeLatency: latency(prior: .milliseconds(200)))
        var pausedAt: Date?
        var offset: Int64 = 0
        // 50 records/s due 5 s later: 250 would wait in memory, more than the 100 allowed.
        while pausedAt == nil, offset < 100 {
            let now = start.addingTimeInterval(Double(offset) / 50)
            _ = pending.enqueue(entry(0, offset, dueIn: 5, now: now, producedAt: now), now: now, pause: { _ in pausedAt = now })
            offset += 1
        }
        let paused = try #require(pausedAt)
        #expect((pending.depths[p0] ?? 0) < 100)
        let newestDue = paused.addingTimeInterval(5)
        #expect(pending.takeWork(now: newestDue.addingTimeInterval(-0.25)).resume.isEmpty)
        #expect(pending.takeWork(now: newestDue.addingTimeInterval(-0.2)).resume == [p0])
    }

    @Test("a wait shorter than twice the resume latency is never paused, even a long one when the latency is long")
    func shortWaitsAreNotPaused() {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 10, longWait: .milliseconds(100), resumeLatency: latency(prior: .seconds(1)))
        #expect(pending.enqueue(entry(0, 0, dueIn: 1.9, now: now), now: now) == .queued(pause: false))
        #expect(pending.enqueue(entry(1, 0, dueIn: 2.1, now: now), now: now) == .queued(pause: true))
    }

    @Test("the first record after a resume that was already in the broker measures the resume latency, and the decisions use it")
    func resumeLatencyIsMeasured() throws {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 10, longWait: .seconds(1), resumeLatency: latency(prior: .milliseconds(500)))
        #expect(pending.resumeLatency == .milliseconds(500))
        #expect(pending.enqueue(entry(0, 0, dueIn: 10, now: now, producedAt: now), now: now) == .queued(pause: true))
        let resumedAt = now.addingTimeInterval(9.5)
        #expect(pending.takeWork(now: resumedAt).resume == [p0])

        var samples: [Duration] = []
        let arrival = resumedAt.addingTimeInterval(0.3)
        _ = pending.enqueue(entry(0, 1, dueIn: 10, now: arrival, producedAt: now.addingTimeInterval(1)), now: arrival,
                            measured: { sample, _ in samples.append(sample) })
        #expect(samples.count == 1)
        #expect(abs((samples.first ?? .zero).seconds - 0.3) < 0.001)
        // 1.5 × the largest recent sample.
        #expect(abs(pending.resumeLatency.seconds - 0.45) < 0.002)

        // A record produced after the resume says nothing about it.
        let second = pending.takeWork(now: now.addingTimeInterval(30))
        #expect(second.resume == [p0])
        _ = pending.enqueue(entry(0, 2, dueIn: 10, now: now.addingTimeInterval(31), producedAt: now.addingTimeInterval(30.5)),
                            now: now.addingTimeInterval(31), measured: { sample, _ in samples.append(sample) })
        #expect(samples.count == 1)
    }

    @Test("an overflowed partition stays paused until its seek back has completed, and a revoked one's seek is no longer wanted")
    func overflowSeeksBack() throws {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 2, resumeLatency: latency(prior: .milliseconds(100)))
        #expect(pending.enqueue(entry(0, 0, dueIn: 0, now: now), now: now) == .queued(pause: false))
        // The queue is full with this one: pause, so nothing more is fetched than what is already on its way.
        #expect(pending.enqueue(entry(0, 1, dueIn: 0, now: now), now: now) == .queued(pause: true))
        #expect(pending.enqueue(entry(0, 2, dueIn: 0, now: now), now: now) == .dropped(pause: false))
        #expect(pending.enqueue(entry(0, 3, dueIn: 0, now: now), now: now) == .dropped(pause: false))
        let work = pending.takeWork(now: now)
        let batch = try #require(work.due[p0])
        #expect(batch.entries.count == 2)
        #expect(work.resume.isEmpty)
        let seek = try #require(pending.finish(batch, completed: 2).seek)
        #expect(seek.offset == 2)
        // The seek runs on another task: until it has completed, the dispatcher must not resume.
        #expect(pending.isWanted(seek))
        #expect(pending.takeWork(now: now).resume.isEmpty)
        // Records still arriving from before the seek are dropped, not queued past the gap.
        #expect(pending.enqueue(entry(0, 4, dueIn: 0, now: now), now: now) == .dropped(pause: false))
        #expect(pending.seekCompleted(seek))
        #expect(pending.takeWork(now: now).resume == [p0])

        // A partition revoked while its seek was pending: the seek is dropped.
        _ = pending.enqueue(entry(1, 0, dueIn: 0, now: now), now: now)
        _ = pending.enqueue(entry(1, 1, dueIn: 0, now: now), now: now)
        _ = pending.enqueue(entry(1, 2, dueIn: 0, now: now), now: now)
        let other = try #require(pending.takeWork(now: now).due[p1])
        let stale = try #require(pending.finish(other, completed: 2).seek)
        pending.drop([p1])
        #expect(!pending.isWanted(stale))
        #expect(!pending.seekCompleted(stale))
    }

    @Test("a batch that outlives its partition (revoked, then assigned back) leaves the new queue alone")
    func batchOfARevokedPartition() throws {
        let now = Date()
        let pending = PendingTransitions(capacityPerPartition: 10)
        _ = pending.enqueue(entry(0, 5, dueIn: 0, now: now), now: now)
        let stale = try #require(pending.takeWork(now: now).due[p0])

        // Revoked while the batch is being published, then assigned back: the records from the
        // committed offset on are fetched again into a new queue.
        pending.drop([p0])
        _ = pending.enqueue(entry(0, 5, dueIn: 0, now: now), now: now)
        _ = pending.enqueue(entry(0, 6, dueIn: 0, now: now), now: now)

        #expect(pending.finish(stale, completed: 1) == .init(done: 0, seek: nil))
        let fresh = try #require(pending.takeWork(now: now).due[p0])
        #expect(fresh.entries.map(\.message.offset) == [5, 6])
        #expect(fresh.epoch != stale.epoch)
        #expect(pending.depths[p0] == 2)
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

/// Topics of their own on the real broker, and a producer, for one procesamiento test.
private struct StageFixture {
    let topics: PedidoTopics
    let kafka: KafkaConfiguration
    let logger = KafkaTestSupport.logger
    let producer: KafkaProducer

    init(_ name: String, partitions: Int) async throws {
        Observability.bootstrapMetricsOnly()
        topics = PedidoTopics(prefix: TestEnvironment.uniqueName(name) + "-")
        kafka = try KafkaTestSupport.configuration(clientID: "\(name)-test")
        try await KafkaAdmin(configuration: kafka, logger: logger).ensureTopics(topics.all.map { .init(name: $0, partitions: partitions) })
        producer = try KafkaProducer(configuration: kafka, logger: logger)
    }

    /// Publishes order `id` in `recibido` and returns when it entered that state.
    /// Publishes order `id` on `recibido`, to `partition` when given (as solicitudes does), else by key hash.
    func publishRecibido(_ id: Int64, precio: String = "759.000", partition: Int32? = nil) async throws -> Date {
        let pedido = Pedido(id: id, nombre: "Pedido \(id)", precio: try Precio(literal: precio),
                            correo: "p\(id)@example.com", estado: .recibido)
        let now = Date()
        var record = try PedidoMessage.record(for: pedido, enteredAt: now, topics: topics)
        record.partition = partition
        try await producer.send(record)
        return now
    }
}

@Suite("procesamiento against the broker", .timeLimit(.minutes(2)))
struct ProcesamientoTests {
    @Test("each stage publishes through a producer of its own, so no stage's transitions wait for another's acknowledgement")
    func eachStageHasItsOwnProducer() async throws {
        let fixture = try await StageFixture("proc-producers", partitions: 1)
        let brokerLoad = BrokerLoadSettings(linger: .milliseconds(50), fetchWait: .milliseconds(200))
        let stages = try makeProcessingStages(Estado.processingStages, delay: { _ in .seconds(1) }, topics: fixture.topics,
                                              kafka: fixture.kafka, brokerLoad: brokerLoad, queueCapacityPerPartition: 100,
                                              longWait: .seconds(30), statePartitions: 1, logger: fixture.logger)
        #expect(stages.map(\.estado) == Estado.processingStages)
        #expect(Set(stages.map { ObjectIdentifier($0.producer) }).count == stages.count)
        // Each one reaches the broker on its own.
        for stage in stages { _ = try await stage.producer.checkConnection(timeout: .seconds(5)) }
        for stage in stages { await stage.producer.close() }
        await fixture.producer.close()
    }

    @Test("a long wait pauses the partition until shortly before its records are due, the resume latency is measured, and nothing is early or lost")
    func pauseUntilDue() async throws {
        let delay = Duration.seconds(3)
        let fixture = try await StageFixture("pause", partitions: 1)
        let (topics, kafka, logger, producer) = (fixture.topics, fixture.kafka, fixture.logger, fixture.producer)
        // Every wait of 3 s is "long" here, so the partition is paused after its first record.
        let stage = try ProcessingStage(estado: .recibido, delay: delay, topics: topics, kafka: kafka, producer: producer,
                                        longWait: .milliseconds(500), logger: logger)
        let prior = stage.pending.resumeLatency
        let group = ServiceGroup(services: [stage], gracefulShutdownSignals: [], logger: logger)
        let running = Task { try await group.run() }
        let watcher = try KafkaConsumer(configuration: kafka, groupID: TestEnvironment.uniqueName("watch"),
                                        topics: [topics.topic(for: .preparando)], logger: logger)
        let seen = KafkaTestSupport.Collector(watcher)
        try await waitUntil("the stage owns its partition", timeout: .seconds(30)) { !stage.assignment.isEmpty }

        var sentAt: [Int64: Date] = [:]
        var sawPause = false
        for index in 0..<20 {
            let id = Int64(2_000_000 + index)
            sentAt[id] = try await fixture.publishRecibido(id)
            sawPause = sawPause || !stage.pausedPartitions.isEmpty
            // The load's shape, not a wait for a condition: a trickle, so records are produced while paused.
            try await Task.sleep(for: .milliseconds(100))
        }
        try await waitUntil("20 orders in preparando", timeout: .seconds(30), poll: .milliseconds(100)) {
            sawPause = sawPause || !stage.pausedPartitions.isEmpty
            return seen.messages.count >= 20
        }
        #expect(sawPause, "the partition was never paused although every wait was long")
        for message in seen.messages {
            let pedido = try PedidoMessage.decode(message, topics: topics)
            let moved = try #require(message.timestamp)
            #expect(moved.timeIntervalSince(sentAt[pedido.id]!) >= delay.seconds - 0.002, "order \(pedido.id) moved on too early")
        }
        #expect(Set(seen.messages.map(\.offset)).count == 20)
        // Records produced while the partition was paused came with the first fetch after the resume.
        #expect(stage.pending.resumeLatency != prior, "no resume latency was measured")

        await seen.stop()
        await group.triggerGracefulShutdown()
        try await running.value
        await producer.close()
    }

    @Test("orders walk recibido → finalizado, each state at least N after the previous, on their recibido partition number, every partition flowing")
    func ordersWalkThroughStates() async throws {
        let delay = Duration.milliseconds(300)
        let fixture = try await StageFixture("proc", partitions: 6)
        let (topics, kafka, logger, producer) = (fixture.topics, fixture.kafka, fixture.logger, fixture.producer)
        let stages = try Estado.processingStages.map {
            try ProcessingStage(estado: $0, delay: delay, topics: topics, kafka: kafka, producer: producer,
                                statePartitions: 6, logger: logger)
        }
        let group = ServiceGroup(services: stages, gracefulShutdownSignals: [], logger: logger)
        let running = Task { try await group.run() }

        // Every topic is read by a test consumer that records when each order got there.
        let watcher = try KafkaConsumer(configuration: kafka, groupID: TestEnvironment.uniqueName("watch"),
                                        topics: topics.all, logger: logger)
        let seen = KafkaTestSupport.Collector(watcher)

        let count = 60
        var sentAt: [Int64: Date] = [:]
        for index in 0..<count {
            let id = Int64(1_000_000 + index)
            // As solicitudes does: the recibido partition does not come from the key (ten orders per partition).
            sentAt[id] = try await fixture.publishRecibido(id, partition: Int32(index / 10))
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
        // Every partition carried orders (ten each, whatever their keys hash to).
        #expect(Set(byOrder.values.compactMap { $0[.recibido]?.partition }) == Set(0..<6))
        for (id, states) in byOrder {
            let times = [sentAt[id]!] + [Estado.preparando, .entregando, .finalizado].map { states[$0]!.timestamp! }
            for (earlier, later) in zip(times, times.dropFirst()) {
                // Kafka timestamps have millisecond resolution.
                #expect(later.timeIntervalSince(earlier) >= delay.seconds - 0.002, "order \(id) moved on too early")
            }
            // The recibido partition number, in every state topic.
            #expect(states.count == 4 && Set(states.values.map(\.partition)) == [Int32((id - 1_000_000) / 10)],
                    "order \(id) left its partition: \(states.mapValues(\.partition))")
        }
        await seen.stop()
        await group.triggerGracefulShutdown()
        try await running.value
        await producer.close()
    }
}
