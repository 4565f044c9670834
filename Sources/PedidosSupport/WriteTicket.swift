import Synchronization

/// A write queued for a group commit (``GroupCommitBatcher/enqueue(_:)``): ``wait()`` returns once the
/// flush holding it succeeded, or throws why it did not. The caller may do other work between queueing the
/// write and waiting for it, without a task of its own for the wait.
public final class WriteTicket: Sendable {
    private enum State {
        case pending
        case waiting(CheckedContinuation<Void, any Error>)
        case settled(Result<Void, any Error>)
    }

    private let state = Mutex(State.pending)

    package init() {}

    /// Returns once the write is stored; throws the flush's error (or ``GroupCommitTimeout``). Call it once.
    public func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let settled = state.withLock { state -> Result<Void, any Error>? in
                switch state {
                case .settled(let result): return result
                case .pending: state = .waiting(continuation); return nil
                case .waiting: preconditionFailure("a write ticket is waited for once")
                }
            }
            if let settled { continuation.resume(with: settled) }
        }
    }

    /// Records the write's outcome and wakes its waiter, if any. Only the first outcome counts.
    package func settle(_ result: Result<Void, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            switch state {
            case .settled: return nil
            case .pending: state = .settled(result); return nil
            case .waiting(let continuation): state = .settled(result); return continuation
            }
        }
        waiter?.resume(with: result)
    }
}
