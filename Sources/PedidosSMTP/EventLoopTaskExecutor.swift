import NIOCore

/// Runs a task's jobs on one SwiftNIO event loop: a task that prefers it (`withTaskExecutorPreference`)
/// and talks to a channel of that loop never changes threads between its own code and the channel's
/// I/O. Submitting to the loop from the loop is a queue push, and a future the loop completes resumes the
/// task right there; from the cooperative pool each of those is a wake-up of another thread.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
