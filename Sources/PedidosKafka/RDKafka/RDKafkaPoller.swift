import Foundation
import PedidosSupport
import Synchronization

/// A dedicated thread that serves a producer handle's callbacks (delivery reports, errors) by calling
/// `rd_kafka_poll` in a loop, so no task of the cooperative pool ever blocks in librdkafka. Between
/// polls, at most every `sweepInterval`, it runs `sweep` (the producer fails overdue deliveries there:
/// one periodic check instead of a timer per record).
final class RDKafkaPoller: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(client: RDKafkaClient, name: String, sweepInterval: Duration = .milliseconds(50),
         sweep: @escaping @Sendable (ContinuousClock.Instant) -> Void = { _ in }) {
        defer { start(client: client, name: name, sweepInterval: sweepInterval, sweep: sweep) }
    }

    private func start(client: RDKafkaClient, name: String, sweepInterval: Duration,
                       sweep: @escaping @Sendable (ContinuousClock.Instant) -> Void) {
        let pollMilliseconds = Int32(max(1, sweepInterval.nanoseconds / 1_000_000))
        let thread = Thread { [self] in
            var nextSweep = ContinuousClock.now + sweepInterval
            while !self.stopped.load(ordering: .acquiring) {
                client.poll(timeoutMilliseconds: pollMilliseconds)
                let now = ContinuousClock.now
                if now >= nextSweep {
                    sweep(now)
                    nextSweep = now + sweepInterval
                }
            }
            self.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Stops the loop and waits for the thread to leave librdkafka.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
    }
}
