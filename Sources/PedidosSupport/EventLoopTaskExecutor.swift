import NIOCore

/// Runs a task's jobs on one SwiftNIO event loop: a task that prefers it (`withTaskExecutorPreference`)
/// and talks to a channel of that loop never changes threads between its own code and the channel's
/// I/O. Submitting to the loop from the loop is a queue push, and a future the loop completes resumes the
/// task right there; from the cooperative pool each of those is a wake-up of another thread.
///
/// Used by the pipelined SMTP client (a mail lane lives on its connection's loop) and by procesamiento's
/// dispatchers (a transition fires on the thread its timer wakes, see ``WakeSignal/wait(until:on:)``).
package final class EventLoopTaskExecutor: TaskExecutor {
    package let eventLoop: any EventLoop

    package init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    package func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}

extension EventLoopTaskExecutor {
    /// The executor that the current task's work was started on with ``run(_:)``, if any. Being task-local,
    /// it reaches the unstructured tasks the work creates (which do not inherit an executor preference), so
    /// a helper task can start on its creator's loop (`Task(executorPreference: EventLoopTaskExecutor.current)`).
    @TaskLocal package static var current: EventLoopTaskExecutor?

    /// Runs `operation` preferring this executor, with ``current`` set to it.
    package func run<Value: Sendable>(_ operation: () async throws -> Value) async rethrows -> Value {
        try await Self.$current.withValue(self) {
            try await withTaskExecutorPreference(self, operation: operation)
        }
    }
}
