import Dispatch

/// Runs a blocking C call on a GCD thread and awaits it, so the cooperative thread pool never blocks.
func runBlocking<T: Sendable>(
    on queue: DispatchQueue = .global(qos: .userInitiated),
    _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        queue.async { continuation.resume(with: Result { try body() }) }
    }
}
