import Foundation
import PedidosSupport
import Synchronization

/// Fails the sends whose caller's deadline has passed (``KafkaError/Kind/deadlineExceeded``), every
/// `interval`, on a thread of its own: a deadline holds whatever the producer's handles are doing (a
/// handle's poller may be stuck in a callback, or the handle being replaced). One sweep for every send,
/// instead of a timer per record.
final class DeadlineSweeper: Sendable {
    /// The sends that have a caller's deadline, until they complete.
    let registry = DeliveryRegistry()
    private let stopped = Atomic<Bool>(false)

    init(interval: Duration = .milliseconds(50)) {
        let seconds = interval.seconds
        // The thread keeps the sweeper until stop(): the producer calls it when it closes or goes away.
        startThread(name: "kafka-producer-deadlines") { [self] in
            while !stopped.load(ordering: .acquiring) {
                Thread.sleep(forTimeInterval: seconds)
                let overdue = registry.takeOverdue(at: .now, deadline: \.callerDeadline)
                guard !overdue.isEmpty else { continue }
                let error = KafkaError(kind: .deadlineExceeded, message: "not acknowledged before the caller's deadline")
                overdue.forEach { $0.complete(.failure(error)) }
            }
        }
    }

    /// Ends the sweeps (the thread leaves within one interval).
    func stop() { stopped.store(true, ordering: .releasing) }
}
