import Dispatch
import Foundation

/// Runs a blocking C call off the cooperative thread pool and awaits it.
///
/// With a `queue`, the call runs there (e.g. a connection's own serial queue). Without one it gets a
/// thread of its own: GCD's global concurrent queues run only about one thread per core, so a few
/// blocking calls (a commit, a metadata request with a timeout) would otherwise queue behind each
/// other for seconds and starve everything else that uses them.
package func runBlocking<T: Sendable>(
    on queue: DispatchQueue? = nil,
    _ body: @escaping @Sendable () throws -> T
) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        if let queue {
            queue.async { continuation.resume(with: Result { try body() }) }
        } else {
            BlockingThreadPool.shared.submit { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// Starts a short-lived thread for a blocking job.
package func startThread(name: String = "pedidos-blocking", _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = name
    thread.start()
}
