import Foundation
import Logging
import PedidosDomain
import PedidosKafka
import PedidosPostgres
import PedidosServiceKit
import PedidosSupport
import ServiceLifecycle

/// Consumes the four state topics (group ``PedidoTopics/notificationsGroup``) and records every transition
/// through a ``TransitionStore``; only after the store committed does it store the messages' offsets.
///
/// - **Batching**: a reader task decodes events and hands them over through a bounded buffer; the
///   recorder takes every message already fetched (up to `maxBatchSize`) and records them in one
///   transaction. Up to `pipelineDepth` transactions run at once (their order rows are locked in id
///   order, so they cannot deadlock); offsets are stored strictly in batch order, each batch only after
///   it and every batch before it committed, and at the latest when nothing more is waiting to be read.
///   Each commit that queued mails wakes the ``MailOutboxWorker`` at once.
/// - **Poison messages**: a record that is not a valid order (not JSON, not conforming to
///   `kafka/pedido.schema.json`, an unknown major schema version) is logged with topic/partition/offset,
///   counted (`notificaciones_undecodable_messages_total`) and sent to the dead-letter topic
///   (``DeadLetterPublisher``); its offset is stored with the batch only after the dead letter was
///   acknowledged, so it is never lost and never blocks its partition. A record PostgreSQL rejects to a single order PostgreSQL rejects as
///   invalid data (SQLSTATE class 22/23), found by retrying a rejected batch message by message.
/// - **PostgreSQL unavailable**: the same batch is retried with capped exponential backoff until it
///   commits or the service stops; no offset is stored meanwhile (nothing is skipped).
/// - **Rebalances**: offsets are stored only after the commit; for a partition revoked meanwhile the
///   store fails harmlessly and the new owner re-reads those records, which the idempotent store ignores.
/// - **Graceful shutdown**: stops reading, lets the transactions in flight finish and store their
///   offsets, then ``KafkaConsumer/close()`` commits them and leaves the group.
public struct TransitionRecorder: Service {
    /// Tuning of the recorder.
    public struct Settings: Sendable {
        /// Most messages per transaction.
        public var maxBatchSize: Int
        /// Events buffered between the Kafka reader and the recorder.
        public var bufferCapacity: Int
        /// First delay before retrying a batch PostgreSQL could not take.
        public var initialRetryDelay: Duration
        /// Cap of that delay.
        public var maxRetryDelay: Duration
        /// Batches whose transactions may run at the same time (1 = one after another).
        public var pipelineDepth: Int

        public init(maxBatchSize: Int = 500, bufferCapacity: Int = 2000, pipelineDepth: Int = 2,
                    initialRetryDelay: Duration = .milliseconds(100), maxRetryDelay: Duration = .seconds(2)) {
            precondition(maxBatchSize > 0 && bufferCapacity > 0 && pipelineDepth > 0)
            self.maxBatchSize = maxBatchSize
            self.bufferCapacity = bufferCapacity
            self.pipelineDepth = pipelineDepth
            self.initialRetryDelay = initialRetryDelay
            self.maxRetryDelay = maxRetryDelay
        }
    }

    let consumer: KafkaConsumer
    let topics: PedidoTopics
    let store: any TransitionStore
    let outboxSignal: WakeSignal
    let metrics: NotificacionesMetrics
    let settings: Settings
    let deadLetters: DeadLetterPublisher
    let logger: Logger

    /// - Parameters:
    ///   - consumer: a consumer subscribed to `topics.all` in group `topics.notificationsGroup`; the
    ///     recorder closes it when it stops.
    ///   - outboxSignal: raised after a commit that queued mails.
    ///   - deadLetters: where records that are not valid orders go.
    public init(consumer: KafkaConsumer, topics: PedidoTopics, store: any TransitionStore, outboxSignal: WakeSignal,
                metrics: NotificacionesMetrics, deadLetters: DeadLetterPublisher, settings: Settings = Settings(), logger: Logger) {
        self.deadLetters = deadLetters
        self.consumer = consumer
        self.topics = topics
        self.store = store
        self.outboxSignal = outboxSignal
        self.metrics = metrics
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let buffer = RecorderEventBuffer(capacity: settings.bufferCapacity)
        let stop = CancellationFlag()
        let consumer = self.consumer
        let logger = self.logger
        let topics = self.topics
        let reader = Task { await Self.read(consumer, topics: topics, into: buffer, logger: logger) }

        // Stopping (graceful shutdown or cancellation) lets the batches in flight finish; only retries end.
        let result: Result<Void, any Error> = await withTaskCancellationOrGracefulShutdownHandler {
            do {
                try await process(buffer, stop: stop)
                return .success(())
            } catch {
                return .failure(error)
            }
        } onCancelOrGracefulShutdown: {
            logger.info("recorder: stopping after the batch in flight")
            stop.cancel()
            buffer.finish()
            reader.cancel()
        }

        stop.cancel()
        buffer.finish()
        reader.cancel()
        await reader.value
        // Commits the stored offsets and leaves the group, so another member takes over at once.
        await consumer.close()
        logger.info("recorder: consumer closed")
        try result.get()
    }

    /// Moves consumer events into `buffer`, decoding messages on the way, until cancelled, the buffer is
    /// finished, or Kafka fails.
    private static func read(_ consumer: KafkaConsumer, topics: PedidoTopics, into buffer: RecorderEventBuffer,
                             logger: Logger) async {
        do {
            for try await event in consumer.events {
                let decoded: RecorderEventBuffer.Event
                switch event {
                case .message(let message):
                    decoded = .message(message, Result { try PedidoTransition(message: message, topics: topics) })
                case .assigned(let partitions):
                    decoded = .assigned(partitions)
                case .revoked(let partitions):
                    decoded = .revoked(partitions)
                }
                guard await buffer.push(decoded) else { return }
            }
            if !Task.isCancelled {
                buffer.finish(failure: KafkaError(kind: .other, message: "the notificaciones consumer stopped unexpectedly"))
            }
        } catch {
            logger.error("recorder: Kafka consumer failed", metadata: ["error": "\(error)"])
            buffer.finish(failure: error)
        }
    }

    /// A batch whose transaction may still be running; its offsets are stored once it and every batch
    /// before it are done.
    private struct InFlightBatch {
        let messages: [KafkaMessage]
        /// `nil` when the batch had nothing to record (only undecodable records).
        let recording: Task<TransitionBatchOutcome?, Never>?
        let started: ContinuousClock.Instant
    }

    /// Takes events in order and handles them. Messages between two rebalance events form batches; up to
    /// `pipelineDepth` batches are recorded concurrently (their transactions overlap) while offsets are
    /// stored strictly in batch order. A rebalance event first waits for every batch before it.
    private func process(_ buffer: RecorderEventBuffer, stop: CancellationFlag) async throws {
        var inFlight: [InFlightBatch] = []
        while let events = try await next(from: buffer, finishing: &inFlight) {
            var batch: [(message: KafkaMessage, decoded: Result<PedidoTransition, any Error>)] = []
            for event in events {
                switch event {
                case .message(let message, let decoded):
                    batch.append((message, decoded))
                case .assigned(let partitions), .revoked(let partitions):
                    guard await submit(batch, to: &inFlight, stop: stop), await complete(&inFlight, keeping: 0) else {
                        return await abandon(&inFlight)
                    }
                    batch = []
                    let what = if case .assigned = event { "assigned" } else { "revoked" }
                    logger.info("recorder: partitions \(what)", metadata: ["partitions": "\(partitions.sorted())"])
                }
            }
            guard await submit(batch, to: &inFlight, stop: stop) else { return await abandon(&inFlight) }
        }
        // Stopping: let the transactions in flight finish (or give up if PostgreSQL is away) and store
        // the offsets of those that committed, in order.
        if await !complete(&inFlight, keeping: 0) { await abandon(&inFlight) }
    }

    /// The next events; when the buffer failed (Kafka), first finishes the batches in flight.
    private func next(from buffer: RecorderEventBuffer, finishing inFlight: inout [InFlightBatch]) async throws -> [RecorderEventBuffer.Event]? {
        // Nothing more to read yet: finish the batches in flight now, so their offsets are stored without
        // waiting for the next message (which may be a while away when traffic is light).
        if !inFlight.isEmpty && buffer.isEmpty, await !complete(&inFlight, keeping: 0) {
            await abandon(&inFlight)
            return nil
        }
        do {
            return try await buffer.take(max: settings.maxBatchSize)
        } catch {
            if await !complete(&inFlight, keeping: 0) { await abandon(&inFlight) }
            throw error
        }
    }

    /// Decodes a batch, starts its transaction, and completes the oldest batches so that at most
    /// `pipelineDepth` stay in flight. False when the service stopped before a batch could be recorded.
    private func submit(_ batch: [(message: KafkaMessage, decoded: Result<PedidoTransition, any Error>)],
                        to inFlight: inout [InFlightBatch], stop: CancellationFlag) async -> Bool {
        guard !batch.isEmpty else { return true }
        var transitions: [PedidoTransition] = []
        var poisoned: [(message: KafkaMessage, error: String)] = []
        transitions.reserveCapacity(batch.count)
        for (message, decoded) in batch {
            metrics.consumed(topic: message.topic)
            do {
                transitions.append(try decoded.get())
            } catch {
                metrics.undecodable(topic: message.topic)
                poisoned.append((message, "\(error)"))
                logger.error("recorder: a record that is not a valid order goes to the dead-letter topic", metadata: [
                    "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
                    "error": "\(error)",
                ])
            }
        }
        var recording: Task<TransitionBatchOutcome?, Never>?
        if !transitions.isEmpty || !poisoned.isEmpty {
            if !transitions.isEmpty { metrics.batchSize.record(transitions.count) }
            let recorder = self
            let outboxSignal = self.outboxSignal
            let deadLetters = self.deadLetters
            recording = Task {
                // Dead letters first: the batch's offsets are stored only once they are acknowledged
                // (nil = the service stopped first: nothing of this batch is committed, it is re-read).
                for (message, error) in poisoned {
                    guard await deadLetters.publishRetrying(message, error: error, stopped: { stop.isCancelled }) else { return nil }
                }
                if transitions.isEmpty { return TransitionBatchOutcome() }
                let outcome = await recorder.recordRetrying(transitions, stop: stop)
                // The mails are in the outbox as soon as the transaction committed: wake the sender now,
                // not when this batch's turn to store offsets comes.
                if let outcome, outcome.recorded > 0 { outboxSignal.signal() }
                return outcome
            }
        }
        inFlight.append(InFlightBatch(messages: batch.map(\.message), recording: recording, started: .now))
        return await complete(&inFlight, keeping: settings.pipelineDepth - 1)
    }

    /// Waits for the oldest batches until at most `keeping` remain, storing each one's offsets after its
    /// commit. False (batches left in place) when one of them was abandoned because the service stopped.
    private func complete(_ inFlight: inout [InFlightBatch], keeping: Int) async -> Bool {
        while inFlight.count > keeping {
            let oldest = inFlight[0]
            if let recording = oldest.recording {
                guard let outcome = await recording.value else { return false }
                metrics.batchDuration.recordNanoseconds((ContinuousClock.now - oldest.started).nanoseconds)
                metrics.transitionsRecorded.increment(by: outcome.recorded)
                metrics.duplicates.increment(by: outcome.duplicates)
                logger.debug("recorder: batch recorded", metadata: [
                    "messages": "\(oldest.messages.count)", "recorded": "\(outcome.recorded)",
                    "duplicates": "\(outcome.duplicates)",
                ])
            }
            storeOffsets(oldest.messages)
            inFlight.removeFirst()
        }
        return true
    }

    /// The service stopped while a batch could not be recorded: wait for the other transactions (they
    /// end quickly once stopped), store nothing for that batch or any after it.
    private func abandon(_ inFlight: inout [InFlightBatch]) async {
        for batch in inFlight { _ = await batch.recording?.value }
        inFlight.removeAll()
    }

    /// Stores, per partition, the offset after the batch's last record.
    private func storeOffsets(_ messages: [KafkaMessage]) {
        var last: [TopicPartition: KafkaMessage] = [:]
        for message in messages where (last[message.topicPartition]?.offset ?? -1) < message.offset {
            last[message.topicPartition] = message
        }
        for message in last.values {
            do {
                try consumer.storeOffset(message)
            } catch {
                // The partition was revoked after these records were fetched: its new owner reads them again.
                logger.debug("recorder: offset not stored", metadata: [
                    "partition": "\(message.topicPartition)", "offset": "\(message.offset)", "error": "\(error)",
                ])
            }
        }
    }

    /// Records `transitions`, retrying while PostgreSQL is unavailable; `nil` if the service stopped first.
    func recordRetrying(_ transitions: [PedidoTransition], stop: CancellationFlag) async -> TransitionBatchOutcome? {
        var attempt = 0
        while true {
            do {
                let outcome = try await store.record(transitions)
                if attempt > 0 { logger.info("recorder: PostgreSQL is back, batch recorded", metadata: ["attempts": "\(attempt + 1)"]) }
                return outcome
            } catch where Self.isInvalidData(error) {
                if transitions.count > 1 {
                    // Find the culprit: record one by one (each still atomic and idempotent).
                    var total = TransitionBatchOutcome()
                    for transition in transitions {
                        guard let outcome = await recordRetrying([transition], stop: stop) else { return nil }
                        total = total + outcome
                    }
                    return total
                }
                let transition = transitions[0]
                let topic = topics.topic(for: transition.pedido.estado)
                metrics.undecodable(topic: topic)
                logger.error("recorder: PostgreSQL rejected an order as invalid data; skipping its record", metadata: [
                    "topic": "\(topic)", "partition": "\(transition.partition)", "offset": "\(transition.offset)",
                    "error": "\(error)",
                ])
                return TransitionBatchOutcome()
            } catch {
                if stop.isCancelled { return nil }
                attempt += 1
                metrics.recordRetries.increment()
                let delay = Self.backoff(attempt: attempt, initial: settings.initialRetryDelay, maximum: settings.maxRetryDelay)
                let metadata: Logger.Metadata = ["error": "\(error)", "attempt": "\(attempt)", "retry_in": "\(delay)",
                                                 "messages": "\(transitions.count)"]
                if attempt == 1 || attempt % 20 == 0 {
                    logger.warning("recorder: could not record the batch; retrying it", metadata: metadata)
                } else {
                    logger.debug("recorder: could not record the batch; retrying it", metadata: metadata)
                }
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                if stop.isCancelled { return nil }
            }
        }
    }

    /// Errors that retrying cannot fix because they are about the data of a record (not the database).
    static func isInvalidData(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        switch error.kind {
        case .invalidParameter:
            return true
        case .server:
            guard let sqlState = error.sqlState, !error.isTransient else { return false }
            return sqlState.hasPrefix("22") || sqlState.hasPrefix("23")
        default:
            return false
        }
    }

    /// `initial × 2^(attempt-1)`, capped at `maximum`.
    static func backoff(attempt: Int, initial: Duration, maximum: Duration) -> Duration {
        let factor = 1 << Swift.min(Swift.max(attempt - 1, 0), 20)
        return Swift.min(initial * factor, maximum)
    }
}
