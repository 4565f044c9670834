import Synchronization

/// Group commit: concurrent callers of ``submit(_:)`` share one `flush` of everything queued while the
/// previous flushes were running, so N requests in flight cost about one round trip, not N.
///
/// - At most `maxConcurrentFlushes` flushes run at a time. A caller arriving while fewer run starts one at
///   once (alone, under light load: no added wait); otherwise it joins the queue, which the next free flush
///   takes whole (at most `maxBatchSize` items).
/// - A flush may have a `deadline`: when it passes, the flush's callers get ``GroupCommitTimeout`` and its
///   slot is freed for the queue (the late statement may still finish in the background; its outcome is
///   then ignored). So a hung database delays no caller longer than `deadline`. Without one, callers
///   always learn the flush's real outcome (for writes whose late success would matter).
/// - A flush can answer each item (e.g. which rows it changed) through the item itself, before it returns.
/// - ``isHealthy`` is false from a failed or late flush until the next successful one.
public final class GroupCommitBatcher<Item: Sendable>: Sendable {
    /// Writes one batch; throws if none of it can be considered written.
    public typealias Flush = @Sendable ([Item]) async throws -> Void

    private struct Waiter {
        let item: Item
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var queue: [Waiter] = []
        var flushing = 0
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
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let batch = state.withLock { state -> [Waiter]? in
                state.queue.append(Waiter(item: item, continuation: continuation))
                return Self.takeBatch(&state, maxBatchSize: maxBatchSize, maxConcurrentFlushes: maxConcurrentFlushes)
            }
            if let batch { start(batch) }
        }
    }

    /// The next batch to flush, if a flush slot is free and something is queued (takes the slot).
    private static func takeBatch(_ state: inout State, maxBatchSize: Int, maxConcurrentFlushes: Int) -> [Waiter]? {
        guard state.flushing < maxConcurrentFlushes, !state.queue.isEmpty else { return nil }
        state.flushing += 1
        let count = min(maxBatchSize, state.queue.count)
        let batch = Array(state.queue.prefix(count))
        state.queue.removeFirst(count)
        return batch
    }

    private func start(_ batch: [Waiter]) {
        let settledBox = SettledFlag()
        let timer = deadline.map { deadline in
            Task { [weak self] in
                guard (try? await Task.sleep(for: deadline)) != nil else { return }
                self?.finish(batch, settled: settledBox, result: .failure(GroupCommitTimeout(deadline: deadline)))
            }
        }
        let flush = self.flush
        Task { [weak self] in
            let result: Result<Void, any Error>
            do { try await flush(batch.map(\.item)); result = .success(()) } catch { result = .failure(error) }
            timer?.cancel()
            self?.finish(batch, settled: settledBox, result: result)
        }
    }

    /// Answers the batch's callers once (the flush or its deadline, whichever comes first), frees the slot
    /// and starts the next batch.
    private func finish(_ batch: [Waiter], settled: SettledFlag, result: Result<Void, any Error>) {
        guard settled.claim() else { return }
        let next = state.withLock { state -> [Waiter]? in
            state.flushing -= 1
            if case .success = result { state.healthy = true } else { state.healthy = false }
            return Self.takeBatch(&state, maxBatchSize: maxBatchSize, maxConcurrentFlushes: maxConcurrentFlushes)
        }
        for waiter in batch { waiter.continuation.resume(with: result) }
        if let next { start(next) }
    }
}

/// Set once by whichever of a flush and its deadline comes first.
private final class SettledFlag: Sendable {
    private let settled = Atomic<Bool>(false)
    func claim() -> Bool { settled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
}

/// A group-commit flush that did not finish within its deadline.
public struct GroupCommitTimeout: Error, Sendable, CustomStringConvertible {
    /// The deadline that passed.
    public let deadline: Duration
    public var description: String { "the batched write did not finish within \(deadline)" }
}
