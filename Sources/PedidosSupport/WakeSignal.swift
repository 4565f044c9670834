import Foundation
import NIOCore
import Synchronization

/// "There is new work": raised by a producer of work, awaited by workers that otherwise sleep until a
/// deadline or for a timeout. Raising it wakes every current waiter; a signal raised while nobody waits is
/// remembered once, so a wake-up between a worker's last look and the start of its wait is never lost.
/// Unlike an `AsyncStream`, cancelling a wait does not end the signal.
///
/// Used by procesamiento's dispatcher (woken by new records) and notificaciones' mail lanes (woken by the
/// recorder after it committed new outbox rows).
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
        /// Waits in progress, installed or not yet.
        var active: Set<UInt64> = []
        /// Active waits whose deadline passed (or task was cancelled) before they installed their continuation.
        var released: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// How many waits are installed right now (for tests).
    var waiterCount: Int { state.withLock { $0.waiters.count } }

    /// Wakes every waiter, or the next wait when nobody is waiting.
    public func signal() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.waiters.isEmpty else {
                state.pending = true
                return []
            }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when signalled (consuming a remembered signal), at `deadline` (never, if nil), or when
    /// the calling task is cancelled.
    public func wait(until deadline: Date?) async {
        await wait { id in
            deadline.map { deadline in
                let timer = Task { [weak self] in
                    let interval = deadline.timeIntervalSinceNow
                    if interval > 0 { try? await Task.sleep(for: .nanoseconds(Int64(interval * 1e9)), tolerance: .zero) }
                    self?.release(id)
                }
                return { timer.cancel() }
            }
        }
    }

    /// Like ``wait(until:)``, with the deadline kept by `eventLoop`'s own timer: when the waiting task runs on
    /// that loop (``EventLoopTaskExecutor``), the deadline wakes one thread, which resumes the task in the same
    /// turn of the loop. The cooperative pool's timer instead wakes a pool thread to run a timer task,
    /// which then wakes another for the waiter: on a saturated machine each wake-up can wait its turn.
    package func wait(until deadline: Date?, on eventLoop: any EventLoop) async {
        await wait { id in
            deadline.map { deadline in
                let nanoseconds = Int64(max(0, deadline.timeIntervalSinceNow) * 1e9)
                let timer = eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { [weak self] in self?.release(id) }
                return { timer.cancel() }
            }
        }
    }

    /// Returns when signalled (consuming a remembered signal), after `timeout`, or when the calling task
    /// is cancelled.
    public func wait(timeout: Duration) async {
        await wait { id in
            let timer = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.release(id)
            }
            return { timer.cancel() }
        }
    }

    /// Waits with the timer `startTimer` starts for wait `id` (it calls ``release(_:)`` when it fires, and
    /// returns how to cancel it).
    private func wait(startTimer: (UInt64) -> (@Sendable () -> Void)?) async {
        let id = state.withLock { state -> UInt64? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextID &+= 1
            state.active.insert(state.nextID)
            return state.nextID
        }
        guard let id else { return }
        let cancelTimer = startTimer(id)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    if state.released.contains(id) || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            release(id)
        }
        cancelTimer?()
        state.withLock { state in
            state.active.remove(id)
            state.released.remove(id)
        }
    }

    /// Resumes waiter `id` if it is still waiting (its deadline passed or its task was cancelled), or
    /// remembers that it must not start waiting.
    private func release(_ id: UInt64) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiters.removeValue(forKey: id) else {
                if state.active.contains(id) { state.released.insert(id) }
                return nil
            }
            return waiter
        }
        waiter?.resume()
    }
}
