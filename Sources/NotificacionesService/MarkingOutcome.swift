import Synchronization

/// The outcome of one lane's `sending` commit (the keys it marked), awaited by every end-of-data hook of the
/// lane's take. The first hook usually waits (the commit runs while the envelope is on the wire); the later
/// ones find it settled and go on without suspending.
final class MarkingOutcome: Sendable {
    private enum State {
        case pending([CheckedContinuation<Result<Set<OutboxMail.Key>, any Error>, Never>])
        case done(Result<Set<OutboxMail.Key>, any Error>)
    }

    private let state = Mutex(State.pending([]))

    /// Records the commit's outcome and resumes the waiters.
    func complete(_ outcome: Result<Set<OutboxMail.Key>, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Result<Set<OutboxMail.Key>, any Error>, Never>] in
            guard case .pending(let waiters) = state else { return [] }
            state = .done(outcome)
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// The commit's outcome, once ``complete(_:)`` was called.
    var value: Result<Set<OutboxMail.Key>, any Error> {
        get async {
            if case .done(let outcome) = state.withLock({ $0 }) { return outcome }
            return await withCheckedContinuation { continuation in
                let outcome = state.withLock { state -> Result<Set<OutboxMail.Key>, any Error>? in
                    switch state {
                    case .done(let outcome): return outcome
                    case .pending(var waiters):
                        waiters.append(continuation)
                        state = .pending(waiters)
                        return nil
                    }
                }
                if let outcome { continuation.resume(returning: outcome) }
            }
        }
    }
}
