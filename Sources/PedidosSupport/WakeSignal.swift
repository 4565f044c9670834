import Foundation
import Synchronization

/// "There is new work": raised by a producer of work, awaited by one worker that otherwise sleeps until
/// a deadline. A signal raised while nobody waits is remembered once, so a wake-up between the worker's
/// last look and the start of its wait is never lost. Unlike an `AsyncStream`, cancelling a wait does
/// not end the signal.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextID: UInt64 = 0
        /// A wait whose deadline passed (or task was cancelled) before it installed its continuation.
        var released: UInt64?
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiter, or the next wait when nobody is waiting.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns when signalled (consuming a remembered signal), at `deadline` (never, if nil), or when
    /// the calling task is cancelled.
    public func wait(until deadline: Date?) async {
        let id = state.withLock { state -> UInt64? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextID &+= 1
            return state.nextID
        }
        guard let id else { return }
        let timer: Task<Void, Never>? = deadline.map { deadline in
            Task { [weak self] in
                let interval = deadline.timeIntervalSinceNow
                if interval > 0 { try? await Task.sleep(for: .nanoseconds(Int64(interval * 1e9)), tolerance: .zero) }
                self?.release(id)
            }
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || state.released == id || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            release(id)
        }
        timer?.cancel()
    }

    /// Resumes waiter `id` if it is still waiting (its deadline passed or its task was cancelled).
    private func release(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else {
                if id == state.nextID { state.released = id }
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}
