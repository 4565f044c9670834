import Synchronization

/// "This batch is finished", awaited by the batch of the same partition handed out after it, so that a
/// partition's batches are finished in order although they are published concurrently.
///
/// Finishing is one-shot and the wait is not cancellable: every batch finishes once its publication has
/// ended (acknowledged or failed), so the chain always completes, and a batch must never store its offset
/// before an earlier one of its partition has.
final class BatchCompletion: Sendable {
    private struct State {
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Marks the batch finished and resumes its waiter, if any.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns once ``finish()`` has been called (at once if it already was). One waiter at a time.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { state -> Bool in
                if state.finished { return true }
                state.waiter = continuation
                return false
            }
            if finished { continuation.resume() }
        }
    }
}
