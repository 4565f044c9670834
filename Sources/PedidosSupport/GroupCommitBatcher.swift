import Synchronization

/// Group commit: concurrent callers of ``submit(_:)`` (or ``enqueue(_:)``) share one `flush` of everything
/// queued while the previous flushes were running, so N requests in flight cost about one round trip, not N.
///
/// - At most `maxConcurrentFlushes` flushes run at a time. A caller arriving while fewer run starts one at
///   once (alone, under light load: no added wait); otherwise it joins the queue, which the next free flush
///   takes whole (at most `maxBatchSize` items).
/// - A flush may have a `deadline`: when it passes, the flush's callers get ``GroupCommitTimeout`` and its
///   slot is freed for the queue (the late statement may still finish in the background; its outcome is
///   then ignored). So a hung database delays no caller longer than `deadline` plus a sixteenth of it: one
///   watcher task looks at the flushes in flight that often while there are any, instead of a timer per
///   flush. Without a deadline, callers always learn the flush's real outcome (for writes whose late
///   success would matter).
/// - A flush can answer each item (e.g. which rows it changed) through the item itself, before it returns.
/// - ``isHealthy`` is false from a failed or late flush until the next successful one.
public final class GroupCommitBatcher<Item: Sendable>: Sendable {
    /// Writes one batch; throws if none of it can be considered written.
    public typealias Flush = @Sendable ([Item]) async throws -> Void

    private struct Waiter {
        let item: Item
        let ticket: WriteTicket
    }

    /// A flush in flight: its callers, and when they stop waiting for it.
    private struct Flight {
        let waiters: [Waiter]
        let due: ContinuousClock.Instant?
    }

    /// A batch taken from the queue, with the id of its flight.
    private typealias Launch = (id: UInt64, waiters: [Waiter])

    private struct State {
        var queue: [Waiter] = []
        var flights: [UInt64: Flight] = [:]
        var nextFlight: UInt64 = 0
        var watching = false
        var healthy = true
    }

    private let state = Mutex(State())
    private let flush: Flush
    private let maxBatchSize: Int
    private let maxConcurrentFlushes: Int
    private let deadline: Duration?

    /// - Parameters:
    ///   - maxBatchSize: most items one flush writes.
    ///   - maxConcurrentFlushes: flushes that may run at the same time.
    ///   - deadline: longest a flush may take before its callers are failed; `nil`: as long as it takes.
    ///   - flush: writes a batch.
    public init(maxBatchSize: Int = 1000, maxConcurrentFlushes: Int = 2, deadline: Duration? = .seconds(3),
                flush: @escaping Flush) {
        precondition(maxBatchSize > 0 && maxConcurrentFlushes > 0)
        self.flush = flush
        self.maxBatchSize = maxBatchSize
        self.maxConcurrentFlushes = maxConcurrentFlushes
        self.deadline = deadline
    }

    /// False after a failed or late flush, until a flush succeeds again.
    public var isHealthy: Bool { state.withLock { $0.healthy } }

    /// Returns once a flush containing `item` succeeded; throws its error (or ``GroupCommitTimeout``).
    public func submit(_ item: Item) async throws {
        try await enqueue(item).wait()
    }

    /// Queues `item` and returns at once; the ticket's `wait()` returns once a flush containing it succeeded.
    public func enqueue(_ item: Item) -> WriteTicket {
        let ticket = WriteTicket()
        let (launch, watch) = state.withLock { state in
            state.queue.append(Waiter(item: item, ticket: ticket))
            let launch = takeBatch(&state)
            return (launch, startsWatching(&state))
        }
        if let launch { start(launch) }
        if watch { watchFlights() }
        return ticket
    }

    /// The next batch to flush, if a flush slot is free and something is queued (takes the slot).
    private func takeBatch(_ state: inout State) -> Launch? {
        guard state.flights.count < maxConcurrentFlushes, !state.queue.isEmpty else { return nil }
        let count = min(maxBatchSize, state.queue.count)
        let waiters = Array(state.queue.prefix(count))
        state.queue.removeFirst(count)
        let id = state.nextFlight
        state.nextFlight &+= 1
        state.flights[id] = Flight(waiters: waiters, due: deadline.map { .now + $0 })
        return (id, waiters)
    }

    /// Whether a watcher must be started for the flights in the air (it then counts as started).
    private func startsWatching(_ state: inout State) -> Bool {
        guard deadline != nil, !state.watching, !state.flights.isEmpty else { return false }
        state.watching = true
        return true
    }

    private func start(_ launch: Launch) {
        let flush = self.flush
        // On the event loop of the caller that started it, when there is one (``EventLoopTaskExecutor/current``):
        // the write's outcome then reaches that caller without waking another thread.
        Task(executorPreference: EventLoopTaskExecutor.current) { [weak self] in
            let result: Result<Void, any Error>
            do { try await flush(launch.waiters.map(\.item)); result = .success(()) } catch { result = .failure(error) }
            self?.land(launch.id, result: result)
        }
    }

    /// Answers a flight's callers, unless its deadline already did; frees its slot and starts the next batch.
    private func land(_ id: UInt64, result: Result<Void, any Error>) {
        let (flight, next) = state.withLock { state -> (Flight?, Launch?) in
            guard let flight = state.flights.removeValue(forKey: id) else { return (nil, nil) }
            if case .success = result { state.healthy = true } else { state.healthy = false }
            return (flight, takeBatch(&state))
        }
        guard let flight else { return }
        for waiter in flight.waiters { waiter.ticket.settle(result) }
        if let next { start(next) }
    }

    /// One task per batcher, alive while flushes are in flight: every sixteenth of the deadline it fails the
    /// flights past theirs and starts the batches their slots free.
    private func watchFlights() {
        guard let deadline else { return }
        Task { [weak self] in
            while true {
                try? await Task.sleep(for: deadline / 16)
                guard let self, self.failLateFlights(deadline: deadline) else { return }
            }
        }
    }

    /// Fails the flights past their deadline; returns whether any flight is still in the air.
    private func failLateFlights(deadline: Duration) -> Bool {
        let now = ContinuousClock.now
        let (late, launches, watching) = state.withLock { state -> ([Flight], [Launch], Bool) in
            let lateIDs = state.flights.compactMap { id, flight in flight.due.map { $0 <= now } == true ? id : nil }
            let late = lateIDs.compactMap { state.flights.removeValue(forKey: $0) }
            if !late.isEmpty { state.healthy = false }
            var launches: [Launch] = []
            while let launch = takeBatch(&state) { launches.append(launch) }
            if state.flights.isEmpty { state.watching = false }
            return (late, launches, state.watching)
        }
        let timeout = GroupCommitTimeout(deadline: deadline)
        for flight in late {
            for waiter in flight.waiters { waiter.ticket.settle(.failure(timeout)) }
        }
        launches.forEach(start)
        return watching
    }
}

/// A group-commit flush that did not finish within its deadline.
public struct GroupCommitTimeout: Error, Sendable, CustomStringConvertible {
    /// The deadline that passed.
    public let deadline: Duration
    public var description: String { "the batched write did not finish within \(deadline)" }
}
