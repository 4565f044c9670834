import Foundation
import PedidosDomain
import PedidosKafka
import PedidosPostgres
import PedidosServiceKit
import PedidosSupport
import Logging
import ServiceLifecycle
import Synchronization

/// Re-drives the orders the pipeline dropped (issue 12): every `period`, the orders accepted by solicitudes
/// (`accepted_orders`) whose current state is not `finalizado` and was entered longer than N + margin ago
/// get their current state re-published to its topic — same key, record timestamp = when they entered
/// that state — so procesamiento, finding them overdue, moves them on at once.
///
/// - **Why it is safe**: everything downstream is idempotent. A re-published state that was in fact still
///   on its way costs a redundant record: procesamiento publishes the next state twice, and notificaciones
///   records each transition once (primary key) with one mail (the outbox row comes with the transition).
/// - **One at a time**: a pass holds a PostgreSQL advisory lock (``PostgresStuckOrderFinder``); other
///   replicas skip theirs while it runs.
/// - **Bounded**: at most `batchSize` orders per pass, published at most `ratePerSecond`, and an order
///   re-driven is not re-driven again before its threshold (N + margin) passed once more, then twice that,
///   four times… (at most 5 min): while the pipeline is still coming back (consumer groups re-joining), a
///   stuck order costs a few redundant records, not one per period, and a broker coming back after an
///   outage gets a steady trickle, not everything at once.
/// - **Observable**: ``ReconcilerMetrics``, one log line per re-drive batch, and ``status`` (in `/ready`).
public struct OrderReconciler: Service {
    let finder: PostgresStuckOrderFinder
    let producer: KafkaProducer
    let topics: PedidoTopics
    let settings: ReconcilerSettings
    let metrics: ReconcilerMetrics
    /// The outcome of the latest pass, for `/ready`.
    public let status: ReconcilerStatus
    let logger: Logger
    /// Orders re-driven recently, and when: not re-driven again before their threshold passed.
    private let recent = RecentRedrives()
    /// Longest wait between two re-drives of one order.
    static let maximumBackoff = Duration.seconds(300)

    public init(finder: PostgresStuckOrderFinder, producer: KafkaProducer, topics: PedidoTopics,
                settings: ReconcilerSettings, metrics: ReconcilerMetrics = ReconcilerMetrics(), logger: Logger) {
        self.finder = finder
        self.producer = producer
        self.topics = topics
        self.settings = settings
        self.metrics = metrics
        self.status = ReconcilerStatus(period: settings.period)
        self.logger = logger
    }

    public func run() async throws {
        let stop = CancellationFlag()
        logger.info("reconciler: started", metadata: [
            "period": "\(settings.period)", "margin": "\(settings.margin)", "batch": "\(settings.batchSize)",
            "rate": "\(settings.ratePerSecond)/s",
        ])
        let period = settings.period
        await withTaskCancellationOrGracefulShutdownHandler {
            while !stop.isCancelled {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
                if stop.isCancelled { break }
                _ = await pass(stop: stop)
            }
        } onCancelOrGracefulShutdown: {
            stop.cancel()
        }
        logger.info("reconciler: stopped")
    }

    /// What one pass did.
    public enum PassOutcome: Sendable, Equatable {
        /// Another instance holds the lock.
        case skipped
        /// `redriven` orders re-published, of `stuck` found.
        case done(redriven: Int, stuck: Int)
        /// The pass failed (PostgreSQL or the broker); retried next period.
        case failed(String)
    }

    /// Runs one pass now (the service does it every `period`; tests call it directly).
    public func runPass() async -> PassOutcome { await pass(stop: nil) }

    func pass(stop: CancellationFlag?) async -> PassOutcome {
        let outcome: PassOutcome
        do {
            let result = try await finder.exclusivePass { pass -> PassOutcome in
                let now = ContinuousClock.now
                let window = maximumThreshold
                let excluded = recent.state.withLock { recent -> Set<Int64> in
                    // An order still stuck is re-driven (and its entry renewed) once its quiet period is over, so
                    // an entry left alone for twice that belongs to an order that moved on.
                    recent = recent.filter { now - $0.value.at < Self.quietPeriod(after: $0.value.count + 1, threshold: window) }
                    return Set(recent.filter { now - $0.value.at < Self.quietPeriod(after: $0.value.count, threshold: window) }.keys)
                }
                let scan = try await pass.scan(thresholds: thresholds, limit: settings.batchSize, excluding: excluded)
                metrics.stuck.record(scan.total)
                metrics.oldestStuck.record(scan.oldestEnteredAt.map { max(0, Date().timeIntervalSince($0)) } ?? 0)
                let redriven = try await redrive(scan.orders, stop: stop)
                return .done(redriven: redriven, stuck: scan.total)
            }
            outcome = result ?? .skipped
        } catch {
            outcome = .failed("\(error)")
        }
        switch outcome {
        case .skipped: metrics.passesSkipped.increment()
        case .done: metrics.passesOK.increment()
        case .failed(let error):
            metrics.passesFailed.increment()
            logger.warning("reconciler: pass failed; retrying next period", metadata: ["error": "\(error)"])
        }
        status.record(outcome)
        return outcome
    }

    /// How long an order is left alone after its `count`-th re-drive in a row: its threshold, doubled for
    /// each further one, at most ``maximumBackoff``.
    static func quietPeriod(after count: Int, threshold: Duration) -> Duration {
        min(maximumBackoff, threshold * (1 << min(max(count - 1, 0), 8)))
    }

    private var thresholds: [Estado: Duration] {
        Dictionary(uniqueKeysWithValues: Estado.processingStages.map { ($0, settings.threshold(for: $0)) })
    }

    private var maximumThreshold: Duration { Estado.processingStages.map { settings.threshold(for: $0) }.max() ?? settings.margin }

    /// Publishes the orders' current states, at most `ratePerSecond` (in ticks of 100 ms), and logs the batch.
    /// - Returns: how many were published; throws the first publication failure (the rest wait for the next pass).
    private func redrive(_ orders: [StuckOrder], stop: CancellationFlag?) async throws -> Int {
        guard !orders.isEmpty else { return 0 }
        let perTick = max(1, settings.ratePerSecond / 10)
        let clock = ContinuousClock()
        var nextTick = clock.now
        var published = 0
        var byState: [Estado: Int] = [:]
        defer {
            if published > 0 {
                let oldest = orders.first.map { String(format: "%.1f", Date().timeIntervalSince($0.enteredAt)) } ?? "?"
                logger.info("reconciler: re-drove stuck orders", metadata: [
                    "orders": "\(published)", "of": "\(orders.count)",
                    "by_state": "\(byState.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: ","))",
                    "oldest_seconds": "\(oldest)",
                ])
            }
        }
        var start = 0
        while start < orders.count {
            if stop?.isCancelled == true { break }
            let chunk = Array(orders[start..<min(orders.count, start + perTick)])
            start += chunk.count
            let producer = self.producer
            let topics = self.topics
            let deadline = clock.now + .seconds(5)
            try await withThrowingTaskGroup(of: StuckOrder.self) { group in
                for order in chunk {
                    group.addTask {
                        let record = try PedidoMessage.record(for: order.pedido, enteredAt: order.enteredAt, topics: topics)
                        _ = try await producer.send(record, deadline: deadline)
                        return order
                    }
                }
                for try await order in group {
                    published += 1
                    byState[order.pedido.estado, default: 0] += 1
                    metrics.redriven[order.pedido.estado]?.increment()
                    let now = clock.now
                    recent.state.withLock { $0[order.pedido.id] = (now, ($0[order.pedido.id]?.count ?? 0) + 1) }
                }
            }
            nextTick = nextTick.advanced(by: .milliseconds(100))
            if start < orders.count, nextTick > clock.now { try await Task.sleep(until: nextTick, clock: clock) }
        }
        return published
    }
}

/// The outcome of the reconciler's latest pass, shown by `/ready` of notificaciones.
public final class ReconcilerStatus: Sendable {
    private struct State {
        var lastPass: ContinuousClock.Instant?
        var lastOutcome: OrderReconciler.PassOutcome?
    }

    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let period: Duration

    init(period: Duration) { self.period = period }

    func record(_ outcome: OrderReconciler.PassOutcome) {
        state.withLock { $0 = State(lastPass: .now, lastOutcome: outcome) }
    }

    /// Throws when the last pass failed, or when no pass ended for three periods (plus 30 s of grace).
    public func check() throws {
        let (lastPass, outcome) = state.withLock { ($0.lastPass, $0.lastOutcome) }
        if case .failed(let error)? = outcome { throw ReconcilerUnhealthy("la última pasada del reconciliador falló: \(error)") }
        let since = lastPass ?? started
        if ContinuousClock.now - since > period * 3 + .seconds(30) {
            throw ReconcilerUnhealthy("el reconciliador no termina una pasada desde hace \(ContinuousClock.now - since)")
        }
    }
}

/// Why `/ready` reports the reconciler as not working.
public struct ReconcilerUnhealthy: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Orders re-driven recently, and when (shared by the reconciler's copies).
private final class RecentRedrives: Sendable {
    /// When each order was last re-driven, and how many times in a row.
    let state = Mutex<[Int64: (at: ContinuousClock.Instant, count: Int)]>([:])
}
