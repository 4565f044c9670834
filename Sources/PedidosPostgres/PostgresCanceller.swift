internal import CLibPQ

/// Asks the server to cancel the statement a connection is running (`PQcancel`).
///
/// `@unchecked Sendable`: libpq documents `PQcancel` as safe to call from any thread (even a signal
/// handler) with a `PGcancel` made by `PQgetCancel`; the object is freed only in `deinit`.
final class PostgresCanceller: @unchecked Sendable {
    private let handle: OpaquePointer

    init?(connection: OpaquePointer) {
        guard let handle = PQgetCancel(connection) else { return nil }
        self.handle = handle
    }

    deinit { PQfreeCancel(handle) }

    /// Sends the cancel request (a short connection of its own); the statement then fails with
    /// SQLSTATE 57014. Returns libpq's error text when the request could not be sent.
    @discardableResult
    func cancel() -> String? {
        var errorBuffer = [CChar](repeating: 0, count: 256)
        guard PQcancel(handle, &errorBuffer, Int32(errorBuffer.count)) == 0 else { return nil }
        return String(nulTerminated: errorBuffer)
    }
}
