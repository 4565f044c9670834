import Synchronization

/// A one-way "stop" flag that also interrupts sleeps: set on graceful shutdown so that loops finish their
/// current unit of work (a transaction, an SMTP send) and then return, instead of being cancelled mid-way.
final class NotificacionesStopLatch: Sendable {
    private struct State {
        var triggered = false
        var sleepers: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    /// True once ``trigger()`` was called.
    var isTriggered: Bool { state.withLock { $0.triggered } }

    /// Sets the flag and wakes every ``sleep(for:)``. Idempotent.
    func trigger() {
        let sleepers = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.triggered = true
            defer { state.sleepers = [:] }
            return Array(state.sleepers.values)
        }
        for sleeper in sleepers { sleeper.resume() }
    }

    /// Sleeps for `duration`, returning early when triggered (or cancelled).
    func sleep(for duration: Duration) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                        let resumeNow = self.state.withLock { state -> Bool in
                            if state.triggered || Task.isCancelled { return true }
                            state.sleepers[id] = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    let sleeper = self.state.withLock { $0.sleepers.removeValue(forKey: id) }
                    sleeper?.resume()
                }
            }
            group.addTask { try? await Task.sleep(for: duration) }
            await group.next()
            group.cancelAll()
        }
    }
}
