import Foundation
import PedidosSupport
import Synchronization

/// Fails the sends whose caller's deadline has passed (``KafkaError/Kind/deadlineExceeded``), on a thread
/// of its own: a deadline holds whatever the producer's handles are doing (a handle's poller may be stuck in
/// a callback, or the handle being replaced). One sweep for every send, instead of a timer per record.
///
/// While sends with a deadline are in flight it sweeps every `interval`; with none it sleeps `idleInterval`
/// (an idle service wakes twice a second instead of twenty times), and a send whose deadline comes before
/// that wakes it at once (``expect(_:)``), so every deadline is still met within `interval`.
final class DeadlineSweeper: Sendable {
    /// The sends that have a caller's deadline, until they complete.
    let registry = DeliveryRegistry()
    private let stopped = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    /// When the thread will look next, in nanoseconds since `origin`.
    private let nextLook = Atomic<Int64>(0)
    private let origin = ContinuousClock.now

    init(interval: Duration = .milliseconds(50), idleInterval: Duration = .milliseconds(500)) {
        // The thread keeps the sweeper until stop(): the producer calls it when it closes or goes away.
        startThread(name: "kafka-producer-deadlines") { [self] in
            while !stopped.load(ordering: .acquiring) {
                // Announce the idle wake-up first: a send registered from now on either sees it (and wakes
                // the thread if its deadline is earlier) or is seen by the emptiness check below.
                var now = ContinuousClock.now
                nextLook.store(nanoseconds(now + idleInterval), ordering: .sequentiallyConsistent)
                var sleep = idleInterval
                if !registry.isEmpty {
                    sleep = interval
                    nextLook.store(nanoseconds(now + interval), ordering: .sequentiallyConsistent)
                }
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(sleep.nanoseconds)))
                now = ContinuousClock.now
                let overdue = registry.takeOverdue(at: now, deadline: \.callerDeadline)
                guard !overdue.isEmpty else { continue }
                let error = KafkaError(kind: .deadlineExceeded, message: "not acknowledged before the caller's deadline")
                overdue.forEach { $0.complete(.failure(error)) }
            }
        }
    }

    /// Called after a send with `deadline` was registered: wakes the thread if it would look too late.
    func expect(_ deadline: ContinuousClock.Instant) {
        if nanoseconds(deadline) < nextLook.load(ordering: .sequentiallyConsistent) { wake.signal() }
    }

    /// Ends the sweeps (the thread leaves at once).
    func stop() {
        stopped.store(true, ordering: .releasing)
        wake.signal()
    }

    private func nanoseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        (instant - origin).nanoseconds
    }
}
