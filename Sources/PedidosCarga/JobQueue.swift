import Synchronization

/// A multi-consumer FIFO of jobs: the scheduler pushes, each connection worker pops. `pop` suspends while
/// the queue is empty and returns `nil` once it is finished and drained.
final class JobQueue<Job: Sendable>: Sendable {
    private struct State {
        var jobs: [Job] = []
        var head = 0
        var waiters: [CheckedContinuation<Job?, Never>] = []
        var finished = false
    }
    private let state = Mutex(State())

    func push(_ job: Job) {
        let waiter: CheckedContinuation<Job?, Never>? = state.withLock { state in
            if !state.waiters.isEmpty { return state.waiters.removeFirst() }
            state.jobs.append(job)
            return nil
        }
        waiter?.resume(returning: job)
    }

    /// No more jobs will come: waiting workers get `nil`.
    func finish() {
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    func pop() async -> Job? {
        await withCheckedContinuation { continuation in
            let job: Job?? = state.withLock { state in
                if state.head < state.jobs.count {
                    let job = state.jobs[state.head]
                    state.head += 1
                    if state.head > 4096, state.head * 2 > state.jobs.count {
                        state.jobs.removeFirst(state.head); state.head = 0
                    }
                    return .some(job)
                }
                if state.finished { return .some(nil) }
                state.waiters.append(continuation)
                return nil
            }
            if let job { continuation.resume(returning: job) }
        }
    }
}
