import Foundation

/// A value guarded by a lock; the only way to touch it is `withLock`.
///
/// `@unchecked Sendable` is sound here because every read and write of `value` happens inside
/// `lock.lock()`/`unlock()`, so no two threads access it at the same time.
/// (A tiny NSLock wrapper rather than `Synchronization.Mutex`, so it does not depend on the minimum macOS.)
final class PostgresLocked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
