import Synchronization

/// A one-way "stop" flag: set from a task-cancellation or graceful-shutdown handler (any thread), read by
/// loops between units of work and by C callbacks on threads of their own (libcurl, a librdkafka poll).
package final class CancellationFlag: Sendable {
    private let cancelled = Atomic<Bool>(false)

    package init() {}

    /// True once ``cancel()`` was called.
    package var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Sets the flag. Idempotent.
    package func cancel() { cancelled.store(true, ordering: .releasing) }
}
