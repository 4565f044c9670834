import Foundation
import Synchronization

/// A dedicated thread that serves a producer handle's callbacks (delivery reports, errors) by calling
/// `rd_kafka_poll` in a loop, so no task of the cooperative pool ever blocks in librdkafka.
final class RDKafkaPoller: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(client: RDKafkaClient, name: String) {
        defer { start(client: client, name: name) }
    }

    private func start(client: RDKafkaClient, name: String) {
        let thread = Thread { [self] in
            while !self.stopped.load(ordering: .acquiring) {
                client.poll(timeoutMilliseconds: 50)
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
