import Dispatch
import Synchronization

/// The outcome of one lane's `sending` commit (the keys it marked), for the waiters that cannot await it:
/// libcurl's end-of-data hooks, on the SMTP client's transport thread. The hook blocks on it directly; with a task of its
/// own to await the commit, every mail cost one more thread handoff.
final class MarkingOutcome: Sendable {
    private let result = Mutex<Result<Set<OutboxMail.Key>, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Records the commit's outcome and wakes the waiter.
    func complete(_ outcome: Result<Set<OutboxMail.Key>, any Error>) {
        result.withLock { $0 = outcome }
        done.signal()
    }

    /// Blocks the calling thread until ``complete(_:)``. Never call it from the cooperative thread pool.
    func wait() -> Result<Set<OutboxMail.Key>, any Error> {
        done.wait()
        done.signal()  // a later wait returns at once
        return result.withLock { $0! }
    }
}
