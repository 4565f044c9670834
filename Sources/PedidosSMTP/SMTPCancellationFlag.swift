import Foundation

/// A flag set from a task-cancellation handler (any thread) and read by libcurl callbacks on the
/// transport queue.
///
/// `@unchecked Sendable` is sound because the only state, `cancelled`, is read and written only
/// while holding `lock`.
final class SMTPCancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    var isCancelled: Bool { lock.withLock { cancelled } }

    func cancel() { lock.withLock { cancelled = true } }
}
