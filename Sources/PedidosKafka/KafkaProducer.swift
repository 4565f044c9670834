import Dispatch
import Logging
import PedidosSupport
import ServiceLifecycle
import Synchronization

/// A producer (`acks=all`; idempotent on a real cluster, see ``KafkaProfile/producerProperties``) whose `send` returns once the broker acknowledged the record.
///
/// If the handle hits a fatal error (for example after the broker restarted and lost the producer's
/// state), the producer replaces its handle by itself and retries the sends that failed for that reason
/// (a send with a deadline only when the retry must settle before it, ``mayRetry(now:deadline:messageTimeout:)``),
/// so callers never have to recreate it. It also replaces a handle once every broker was down, on a broker
/// that forgets its topics when it restarts (`replaceAfterBrokersDown`), and on the embedded broker retries
/// a send that failed with an unknown broker error, which there means an orphan batch took its offset
/// (``KafkaError/isUnknownBrokerError``). As a `Service`, it flushes and closes on graceful shutdown.
public final class KafkaProducer: Service, Sendable {
    /// The live librdkafka handle and the thread polling it. Replaced after a fatal error, a wedged delivery, or
    /// every broker down (``KafkaProducer/replaceAfterBrokersDown(_:reason:)``).
    private final class Generation: Sendable {
        let id: Int
        let client: RDKafkaClient
        let poller: RDKafkaPoller
        let deliveries = DeliveryRegistry()
        /// Whether a broker ever acknowledged a record of this handle: then it holds partitions and leaders of
        /// topics, which a broker that restarted empty no longer has (``KafkaProducer`` replaces it then).
        let acknowledged = Atomic(false)

        /// - Parameter wedged: called (on the poller thread) when a delivery report is overdue past the
        ///   handle's report deadline.
        init(id: Int, client: RDKafkaClient, wedged: @escaping @Sendable (KafkaError) -> Void) {
            self.id = id
            self.client = client
            let deliveries = self.deliveries
            // Delivery reports wake the poller at once; its timeout only paces the report-deadline sweep
            // (a deadline of seconds) and how often an idle producer wakes up.
            self.poller = RDKafkaPoller(client: client, name: "kafka-producer-\(id)", sweepInterval: .milliseconds(250)) { now in
                Generation.failOverdue(deliveries, at: now, wedged: wedged)
            }
        }

        /// Fails the deliveries past the handle's report deadline (``KafkaError/Kind/timedOut``) and reports
        /// the handle wedged. (Caller deadlines are the ``DeadlineSweeper``'s: it runs whatever this handle does.)
        private static func failOverdue(_ deliveries: DeliveryRegistry, at now: ContinuousClock.Instant,
                                        wedged: @Sendable (KafkaError) -> Void) {
            let overdue = deliveries.takeOverdue(at: now, deadline: \.reportDeadline)
            guard !overdue.isEmpty else { return }
            let error = KafkaError(kind: .timedOut, message: "no delivery report within the report deadline; producer handle replaced")
            overdue.forEach { $0.complete(.failure(error)) }
            wedged(error)
        }

        /// Waits up to `flushTimeoutMilliseconds` for queued records, fails the rest, serves those delivery
        /// reports, stops polling, and fails any promise whose report never came: no `send` is left hanging.
        func retire(flushTimeoutMilliseconds: Int32, reason: KafkaError) {
            if client.flush(timeoutMilliseconds: flushTimeoutMilliseconds) != nil {
                client.purgeAll()
                _ = client.flush(timeoutMilliseconds: 1000)
            }
            poller.stop()
            deliveries.failAll(reason)
        }
    }

    private struct State {
        var generation: Generation?
        var nextID = 1
        var closed = false
    }

    private let properties: [String: String]
    private let logger: Logger
    /// Fails sends past their caller's deadline, on a thread of its own.
    private let deadlines = DeadlineSweeper()
    private let state = Mutex(State())
    /// How many times a send is retried on a fresh handle after a fatal error.
    private let fatalRetries = 2
    /// How many times a send is retried at once after an unknown broker error, on the embedded broker only
    /// (``KafkaError/isUnknownBrokerError``: each attempt steps past one orphan batch of the partition).
    private let unknownErrorRetries: Int
    /// `message.timeout.ms`: librdkafka reports a record's fate (acknowledged or failed) within this
    /// time of handing it to a handle.
    private let messageTimeout: Duration
    /// librdkafka fails a record after `message.timeout.ms`; a report this much later means the handle
    /// is wedged (seen with the idempotent producer after the embedded broker restarted mid-epoch-bump).
    private let reportDeadline: Duration

    /// - Parameters:
    ///   - configuration: brokers and profile.
    ///   - properties: the service's librdkafka settings over the profile's, e.g. `message.timeout.ms`
    ///     (how long `send` may wait before it fails; default 30 s) or `linger.ms`; the configuration's
    ///     own properties (`KAFKA_PROPERTIES`) still override them.
    public init(configuration: KafkaConfiguration, properties: [String: String] = [:], logger: Logger) throws {
        var all = configuration.commonProperties
        all.merge(configuration.profile.producerProperties) { _, new in new }
        all["message.timeout.ms"] = "30000"
        all.merge(properties) { _, new in new }
        all.merge(configuration.properties) { _, new in new }
        self.properties = all
        self.logger = logger
        // On a real cluster an unknown error says nothing about whether the write was stored: never retried.
        unknownErrorRetries = configuration.profile == .embedded ? 64 : 0
        let messageTimeout = Int(all["message.timeout.ms"] ?? "") ?? 30_000
        self.messageTimeout = .milliseconds(messageTimeout)
        reportDeadline = .milliseconds(messageTimeout + 2_000)
        _ = try currentGeneration()
    }

    deinit {
        deadlines.stop()
        state.withLock { $0.generation }?.retire(flushTimeoutMilliseconds: 0, reason: .closed)
    }

    /// Publishes `record` and returns where the broker stored it. Throws `KafkaError` if the record
    /// was not acknowledged (broker unreachable past `message.timeout.ms`, rejected, producer closed), or
    /// with kind ``KafkaError/Kind/deadlineExceeded`` once `deadline` has passed: waiting for the report
    /// and retrying on a fresh handle both stop there. Overdue deliveries are found by periodic sweeps
    /// (the producer's ``DeadlineSweeper`` for caller deadlines, within 50 ms of them; each handle's poller
    /// for its report deadline, every 250 ms), not by a timer per record.
    @discardableResult
    public func send(_ record: KafkaProducerRecord, deadline: ContinuousClock.Instant? = nil) async throws -> KafkaDeliveryReport {
        var attempt = 0
        var unknownErrors = 0
        while true {
            if let deadline, ContinuousClock.now >= deadline {
                throw KafkaError(kind: .deadlineExceeded, message: "not acknowledged before the caller's deadline")
            }
            let generation = try currentGeneration()
            let reportBy = ContinuousClock.now + reportDeadline
            let registries = deadline == nil ? [generation.deliveries] : [generation.deliveries, deadlines.registry]
            do {
                let report = try await withCheckedThrowingContinuation { continuation in
                    let promise = DeliveryPromise(continuation, registries: registries, reportDeadline: reportBy,
                                                  callerDeadline: deadline)
                    if let deadline { deadlines.expect(deadline) }
                    do {
                        try generation.client.produce(record, promise: promise)
                    } catch let error as KafkaError {
                        promise.complete(.failure(error))
                    } catch {
                        promise.complete(.failure(KafkaError(kind: .other, message: "\(error)")))
                    }
                }
                if !generation.acknowledged.load(ordering: .relaxed) { generation.acknowledged.store(true, ordering: .relaxed) }
                return report
            } catch let error as KafkaError where (error.kind == .fatal || error.isStaleProducerState) && attempt < fatalRetries {
                // A copy handed to a new handle lives for `message.timeout.ms` from now. If that could
                // outlast the caller's deadline, the caller might be told "not acknowledged" while the
                // copy is still delivered afterwards: the order would exist although its client was
                // answered 503 and retried it. So retry only when the new handle must settle in time.
                guard Self.mayRetry(now: ContinuousClock.now, deadline: deadline, messageTimeout: messageTimeout) else {
                    replace(generation.id, reason: error)
                    throw error
                }
                attempt += 1
                logger.warning("producer handle failed fatally; retrying on a new handle",
                               metadata: ["error": "\(error)", "attempt": "\(attempt)"])
                replace(generation.id, reason: error)
            } catch let error as KafkaError where error.isUnknownBrokerError && unknownErrors < unknownErrorRetries
                        && Self.mayRetry(now: ContinuousClock.now, deadline: deadline, messageTimeout: messageTimeout) {
                // The partition's next offset held an orphan batch (Tansu, a topic created again): this write
                // was not stored and the broker moved past that offset, so the same handle tries again now.
                unknownErrors += 1
                logger.log(level: unknownErrors == 1 ? .info : .debug, "unknown broker error; retrying past an orphan batch",
                           metadata: ["topic": "\(record.topic)", "attempt": "\(unknownErrors)"])
            } catch let error as KafkaError where error.kind == .timedOut {
                // A record that timed out may mean a dead broker, or a handle whose idempotence state no
                // longer matches a restarted broker (it then times out forever without a fatal error).
                // A fresh handle costs one reconnect and fixes the second case; the caller decides on retry.
                replace(generation.id, reason: error)
                throw error
            }
        }
    }

    /// Whether a failed send may be handed to a handle again (a new one after a fatal error, the same one
    /// after an unknown broker error): only if the copy (reported within `messageTimeout`) must settle before
    /// the caller's `deadline`, so a caller told "not acknowledged" never has its record delivered
    /// afterwards. Without a deadline, always.
    static func mayRetry(now: ContinuousClock.Instant, deadline: ContinuousClock.Instant?,
                         messageTimeout: Duration) -> Bool {
        guard let deadline else { return true }
        return deadline - now >= messageTimeout
    }

    /// Asks the cluster for metadata: returns the number of brokers, or throws within `timeout`.
    public func checkConnection(timeout: Duration = .seconds(5)) async throws -> Int {
        let client = try currentGeneration().client
        let milliseconds = timeout.int32Milliseconds
        return try await runBlocking { try client.metadata(timeoutMilliseconds: milliseconds).brokers }
    }

    /// Records waiting to be acknowledged.
    public var pendingCount: Int { Int(state.withLock { $0.generation }?.client.outQueueLength ?? 0) }

    /// Waits for graceful shutdown, then flushes and closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Flushes every queued record (up to `timeout`) and releases the handle. Later sends fail.
    public func close(timeout: Duration = .seconds(10)) async {
        let generation = state.withLock { state -> Generation? in
            state.closed = true
            defer { state.generation = nil }
            return state.generation
        }
        defer { deadlines.stop() }
        guard let generation else { return }
        let milliseconds = timeout.int32Milliseconds
        _ = try? await runBlocking { generation.retire(flushTimeoutMilliseconds: milliseconds, reason: .closed) }
    }

    // MARK: Handle management

    private func currentGeneration() throws -> Generation {
        try state.withLock { state in
            if state.closed { throw KafkaError.closed }
            if let generation = state.generation { return generation }
            let id = state.nextID
            state.nextID += 1
            let generation = Generation(id: id, client: try makeClient(id: id)) { [weak self] error in
                // On the poller thread of the very handle: retiring it (which stops that poller) must not.
                guard let producer = self else { return }
                startThread(name: "kafka-producer-replace") { producer.replace(id, reason: error) }
            }
            state.generation = generation
            return generation
        }
    }

    private func makeClient(id: Int) throws -> RDKafkaClient {
        let callbacks = RDKafkaCallbacks(logger: logger) { [weak self] error, fatal in
            guard let self else { return }
            if fatal {
                // Not on this thread: the poller of the failing handle is the one calling us.
                startThread(name: "kafka-producer-replace") { self.replace(id, reason: error) }
            } else if error.isAllBrokersDown, !EmbeddedBrokerStorage.isDurable {
                // The durable embedded broker keeps its topics; elsewhere (memory broker, real cluster) a
                // replacement costs one reconnect and the records in flight at that moment.
                startThread(name: "kafka-producer-replace") { self.replaceAfterBrokersDown(id, reason: error) }
            } else {
                self.logger.debug("producer: \(error.message)")
            }
        }
        return try RDKafkaClient(kind: .producer, properties: properties, callbacks: callbacks)
    }

    /// Replaces generation `id` after every broker was down, if a broker ever acknowledged one of its records.
    ///
    /// Such a handle still routes records by the partitions and leaders it cached before. The embedded
    /// broker in memory comes back without the topics, and Tansu 0.6.0 acknowledges a record written to a
    /// topic it no longer has; when TopicGuard creates the topic again, Tansu resets that partition's
    /// offsets, so the acknowledged record is not read until another write reaches the partition, and that
    /// write fails once with an unknown broker error (`docs/resultados/reinicio-broker-20261206/`). Retiring
    /// the handle at once fails its queued and in-flight records (their callers are told "not acknowledged",
    /// never lose an acknowledged one), and the next send starts a fresh handle, which waits until the topic
    /// exists. A handle with nothing acknowledged yet (no broker reached, or only the restarted one, whose
    /// topics it learns afresh) is kept: its records wait until their deadline, and a replacement would know
    /// no more.
    private func replaceAfterBrokersDown(_ id: Int, reason: KafkaError) {
        let used = state.withLock { state in
            state.generation.map { $0.id == id && $0.acknowledged.load(ordering: .relaxed) } ?? false
        }
        guard used else { return }
        replace(id, reason: reason)
    }

    /// Drops generation `id` if it is still the current one; the next send creates a fresh handle.
    private func replace(_ id: Int, reason: KafkaError) {
        let retired = state.withLock { state -> Generation? in
            guard let generation = state.generation, generation.id == id else { return nil }
            state.generation = nil
            return generation
        }
        guard let retired else { return }
        logger.warning("replacing producer handle \(id)", metadata: ["reason": "\(reason.message)"])
        startThread(name: "kafka-producer-retire") { retired.retire(flushTimeoutMilliseconds: 0, reason: reason) }
    }
}
