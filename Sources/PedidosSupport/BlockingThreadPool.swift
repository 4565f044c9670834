import Dispatch
import Foundation
import Synchronization

/// A fixed set of threads for blocking C calls that have a timeout of their own (metadata, watermarks,
/// committed offsets, seeks, topic creation).
///
/// GCD's global queues run about one thread per core, so a few such calls would queue behind each other
/// for seconds; a thread per call is unbounded under load (every `/ready` probe made one). A small fixed
/// pool bounds both: at most `threads` calls block at once and the rest wait their turn in FIFO order.
final class BlockingThreadPool: Sendable {
    /// The pool `runBlocking` uses when no queue is given.
    static let shared = BlockingThreadPool(threads: 8, name: "pedidos-blocking")

    private typealias Job = @Sendable () -> Void
    private let jobs = Mutex<[Job]>([])
    private let available = DispatchSemaphore(value: 0)

    init(threads: Int, name: String) {
        precondition(threads > 0, "a blocking pool needs at least one thread")
        for index in 0..<threads {
            startThread(name: "\(name)-\(index)") { [self] in work() }
        }
    }

    /// Queues `job`; one of the pool's threads runs it as soon as it is free.
    func submit(_ job: @escaping @Sendable () -> Void) {
        jobs.withLock { $0.append(job) }
        available.signal()
    }

    private func work() {
        while true {
            available.wait()
            let job = jobs.withLock { $0.removeFirst() }
            job()
        }
    }
}
