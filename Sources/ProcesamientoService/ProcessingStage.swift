import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import PedidosDomain
import PedidosKafka
import PedidosServiceKit
import PedidosSupport
import ServiceLifecycle
import Synchronization

/// One stateless procesamiento worker for one state topic: it moves each order to the next state once
/// the order has spent `delay` in this one (record timestamp + delay), then commits.
///
/// The consume loop never sleeps. A record that is not due yet is queued in memory; a dispatcher waits
/// for the earliest due time, publishes the next state (timestamp = now), awaits the broker's
/// acknowledgement and only then stores the offset — so a crash while waiting loses nothing: the
/// uncommitted records are re-read by the next owner. When waiting in memory would exceed the queue's
/// bound, or the wait is long, the partition is paused (other partitions keep flowing) and resumed its
/// measured resume latency before its queued records are all due, so the following records are fetched
/// ahead of time and fire on time (``PausePolicy``).
public final class ProcessingStage: Service, Sendable {
    public let estado: Estado
    public let delay: Duration
    let next: Estado
    let topics: PedidoTopics
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let pending: PendingTransitions
    let logger: Logger
    let wakeUp = WakeSignal()
    /// Where the dispatcher and the publishing it starts run (see ``dispatchLoops``).
    let dispatchExecutor: EventLoopTaskExecutor
    /// Consecutive failed publish batches (broker trouble), for the backoff.
    let publishFailures = Atomic<Int>(0)
    let metrics: StageMetrics
    private let lastLag = Mutex<(at: ContinuousClock.Instant, lag: [TopicPartition: Int64])?>(nil)
    /// Where records that cannot be processed go (published when they are due, before their offset is stored).
    let deadLetters: DeadLetterPublisher
    /// Partitions of the state topics: a record's partition below it is kept for the next state's record.
    let statePartitions: Int32?

    /// - Parameters:
    ///   - estado: the state this worker reads (every state but `finalizado`).
    ///   - delay: time N an order spends in `estado`.
    ///   - queueCapacityPerPartition: most records one partition keeps in memory (the memory bound).
    ///   - longWait: a partition whose newest record is due this far ahead is paused until shortly before
    ///     it is due even when memory would suffice (see ``PausePolicy``).
    ///   - consumerProperties: librdkafka settings of the stage's consumer (e.g. `fetch.wait.max.ms`).
    ///   - statePartitions: partitions of every state topic (`KAFKA_PARTITIONS`). The next state of a record
    ///     read from partition p goes to partition p when p is below it, so an order keeps the partition number
    ///     solicitudes gave it (``PedidoMessage``); nil: by key hash.
    public init(
        estado: Estado,
        delay: Duration,
        topics: PedidoTopics,
        kafka: KafkaConfiguration,
        producer: KafkaProducer,
        queueCapacityPerPartition: Int = 5_000,
        longWait: Duration = .seconds(30),
        consumerProperties: [String: String] = [:],
        statePartitions: Int? = nil,
        logger: Logger
    ) throws {
        guard let next = estado.next else { throw ConfigurationError("\(estado.rawValue) has no next state to process") }
        self.estado = estado
        self.next = next
        self.delay = delay
        self.topics = topics
        self.producer = producer
        self.statePartitions = statePartitions.map { Int32($0) }
        var logger = logger
        logger[metadataKey: "estado"] = "\(estado.rawValue)"
        self.logger = logger
        consumer = try KafkaConsumer(configuration: kafka, groupID: topics.processingGroup(for: estado),
                                     topics: [topics.topic(for: estado)], properties: consumerProperties, logger: logger)
        pending = PendingTransitions(capacityPerPartition: queueCapacityPerPartition, longWait: longWait)
        metrics = StageMetrics(estado: estado, topics: topics)
        deadLetters = DeadLetterPublisher(producer: producer, topics: topics, group: topics.processingGroup(for: estado),
                                          logger: logger)
        metrics.resumeLatencyEstimate.record(pending.resumeLatency.seconds)
        dispatchExecutor = EventLoopTaskExecutor(eventLoop: Self.dispatchLoops.next())
    }

    /// The thread the stages' dispatchers run on: an event loop of their own, whose timer wakes the
    /// dispatcher when the next record is due and runs it in the same turn, and on which the publication of
    /// due records starts. On the cooperative pool a due time woke a pool thread for the timer task, which
    /// then queued the dispatcher behind the consume loops and the delivery reports: with the machine
    /// saturated (500 orders/s on 2 cores), 1.3–2.3 % of the records that were already waiting fired over
    /// 10 ms late, some up to 100 ms (`pedidos_dispatch_wake_delay_seconds`); on the loop, about half as many
    /// by 50 ms or more (docs/rendimiento.md §1). One thread for every stage of the process: a dispatcher's
    /// work per record is a few microseconds. Lives as long as the process.
    static let dispatchLoops: any EventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Partitions this worker owns now.
    public var assignment: Set<TopicPartition> { consumer.assignment }

    /// Partitions paused now (waiting for their records to become due).
    public var pausedPartitions: Set<TopicPartition> { consumer.pausedPartitions }

    /// Unprocessed records per owned partition (asks the broker for the high watermarks).
    /// Records left per owned partition, measured at most `maxAge` ago: `/asignacion` requests share the
    /// last measurement (the lag reporter refreshes it every 2 s) instead of each asking the broker.
    public func lag(maxAge: Duration = .milliseconds(500)) async throws -> [TopicPartition: Int64] {
        let now = ContinuousClock.now
        if let recent = lastLag.withLock({ $0 }), recent.at.duration(to: now) <= maxAge { return recent.lag }
        let lag = try await consumer.queryLag()
        lastLag.withLock { $0 = (ContinuousClock.now, lag) }
        return lag
    }

    public func run() async throws {
        logger.info("stage started", metadata: ["delay": "\(delay)", "group": "\(consumer.groupID)"])
        let dispatcher = Task(executorPreference: dispatchExecutor) { await self.dispatch() }
        let lagReporter = Task { await reportLag() }
        await cancelWhenGracefulShutdown {
            do { try await self.consume() } catch { self.logger.error("consume loop failed: \(error)") }
        }
        // Stop taking work; let the dispatcher finish what it is publishing; commit and leave the group.
        dispatcher.cancel()
        lagReporter.cancel()
        _ = await dispatcher.value
        await consumer.close()
        logger.info("stage stopped")
    }

    // MARK: Consume loop (never sleeps)

    private func consume() async throws {
        for try await event in consumer.events {
            switch event {
            case .message(let message):
                metrics.consumed.increment()
                let now = Date()
                var pedido: Pedido?
                do {
                    pedido = try PedidoMessage.decode(message, topics: topics)
                } catch {
                    metrics.undecodable.increment()
                    logger.error("undecodable record; it goes to the dead-letter topic when due", metadata: [
                        "partition": "\(message.partition)", "offset": "\(message.offset)", "error": "\(error)"])
                }
                if let timestamp = message.timestamp {
                    metrics.fetchDelay.recordInterval(from: timestamp, to: now)
                }
                let due = (message.timestamp ?? now).addingTimeInterval(delay.seconds)
                let entry = PendingTransitions.Entry(message: message, pedido: pedido, due: due, receivedAt: now)
                let (consumer, metrics) = (self.consumer, self.metrics)
                _ = pending.enqueue(entry, now: now, pause: { try? consumer.pause($0) }, measured: { sample, estimate in
                    metrics.resumeLatency.recordNanoseconds(sample.nanoseconds)
                    metrics.resumeLatencyEstimate.record(estimate.seconds)
                })
                wakeUp.signal()
            case .revoked(let partitions):
                pending.drop(partitions)
            case .assigned:
                break
            }
        }
    }

    // MARK: Dispatcher

    /// Hands each partition's due records to a task of their own as soon as they are due: neither
    /// another partition nor an earlier batch of the same partition waiting for the broker's
    /// acknowledgement holds them back, so a transition fires when it is due, not when the previous
    /// acknowledgement arrives. A partition's batches are published concurrently but finished in order
    /// (offsets stored in order, each batch after the one handed out before it).
    private func dispatch() async {
        var lastBatch: [TopicPartition: BatchCompletion] = [:]
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let consumer = self.consumer
                let takenAt = Date()
                let work = pending.takeWork(now: takenAt) { try? consumer.resume($0) }
                metrics.queued.record(pending.totalDepth)
                for batch in work.due.values {
                    let done = BatchCompletion()
                    let previous = lastBatch.updateValue(done, forKey: batch.partition)
                    for entry in batch.entries {
                        metrics.dispatchWake.recordInterval(from: entry.ready, to: takenAt)
                    }
                    group.addTask { await self.advance(batch, after: previous, done: done, takenAt: takenAt) }
                }
                if work.due.isEmpty { await wakeUp.wait(until: work.nextWake, on: dispatchExecutor.eventLoop) }
            }
        }
    }

    /// Publishes the next state of each due entry of one partition's batch (pipelined, in order); then,
    /// once the partition's previous batch is finished, stores the offset of the longest acknowledged
    /// prefix. After a failure (broker trouble) it first backs off, capped, so that the records left are
    /// retried without spinning.
    private func advance(_ batch: PendingTransitions.Batch, after previous: BatchCompletion?, done: BatchCompletion,
                         takenAt: Date) async {
        defer { done.finish() }
        let (partition, entries) = (batch.partition, batch.entries)
        let completed = await publish(entries, takenAt: takenAt)
        if completed < entries.count {
            let failed = publishFailures.add(1, ordering: .relaxed).newValue
            try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(failed, 6))))
        } else {
            publishFailures.store(0, ordering: .relaxed)
        }
        await previous?.wait()
        let finished = pending.finish(batch, completed: completed)
        if finished.done > 0 {
            do {
                try consumer.storeOffset(entries[finished.done - 1].message)
            } catch {
                // The partition was revoked meanwhile: its new owner re-reads these records.
                logger.info("offset not stored (partition revoked?)", metadata: ["partition": "\(partition)", "error": "\(error)"])
            }
        }
        if let seek = finished.seek {
            await seekBack(seek)
        }
        wakeUp.signal()
    }

    /// Moves the fetch position of an overflowed partition back to its first dropped record, retrying
    /// (with a capped backoff) until it succeeds or the partition is no longer ours; only then may the
    /// partition be resumed, so no record past a dropped one is ever published before it.
    private func seekBack(_ seek: PendingTransitions.Seek) async {
        var attempt = 0
        while pending.isWanted(seek), !Task.isCancelled {
            do {
                try await consumer.seek(seek.partition, to: seek.offset)
                pending.seekCompleted(seek)
                return
            } catch {
                attempt += 1
                logger.warning("seek after overflow failed; retrying", metadata: [
                    "partition": "\(seek.partition)", "offset": "\(seek.offset)", "attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(min(2000, 50 << min(attempt, 6))))
            }
        }
    }

    /// Publishes the next state of `entries` concurrently and returns how many of them, from the first
    /// on, were acknowledged. An entry that cannot be processed (undecodable, or whose next state would
    /// not conform to the schema) is done once its dead letter is acknowledged.
    private func publish(_ entries: [PendingTransitions.Entry], takenAt: Date) async -> Int {
        let firedAt = Date()
        metrics.dispatchHandoff.recordInterval(from: takenAt, to: firedAt)
        let results = await withTaskGroup(of: (Int, Bool).self) { group in
            for (index, entry) in entries.enumerated() {
                var record: KafkaProducerRecord
                do {
                    guard let pedido = entry.pedido else {
                        _ = try PedidoMessage.decode(entry.message, topics: topics)
                        continue  // Unreachable: the entry has no order because it did not decode.
                    }
                    record = try PedidoMessage.record(for: pedido.with(estado: next), enteredAt: firedAt, topics: topics)
                    if let statePartitions, entry.message.partition < statePartitions { record.partition = entry.message.partition }
                } catch {
                    let (deadLetters, message) = (self.deadLetters, entry.message)
                    group.addTask { (index, await deadLetters.publish(message, error: "\(error)")) }
                    continue
                }
                guard let pedido = entry.pedido else { continue }
                group.addTask {
                    do {
                        try await self.producer.send(record)
                        return (index, true)
                    } catch {
                        self.logger.warning("publishing \(self.next.rawValue) failed", metadata: [
                            "pedido": "\(pedido.id)", "error": "\(error)"])
                        return (index, false)
                    }
                }
            }
            var ok = Array(repeating: true, count: entries.count)
            for await (index, success) in group { ok[index] = success }
            return ok
        }
        let completed = results.firstIndex(of: false) ?? entries.count
        for entry in entries[..<completed] where entry.pedido != nil {
            metrics.produced.increment()
            metrics.lateness.recordInterval(from: entry.due, to: firedAt)
        }
        return completed
    }

    private func reportLag() async {
        while !Task.isCancelled {
            if let lag = try? await lag(maxAge: .zero) { metrics.report(lag: lag, paused: consumer.pausedPartitions) }
            try? await Task.sleep(for: .seconds(2))
        }
    }
}

extension Metrics.Timer {
    /// Records the time from `start` to `end`, or zero when `end` came first.
    fileprivate func recordInterval(from start: Date, to end: Date) {
        recordNanoseconds(max(0, Int64(end.timeIntervalSince(start) * 1e9)))
    }
}
