import Foundation
import Metrics
import Synchronization

/// Publishes new orders to the `recibido` topic with ``PedidoMessage`` and waits for the broker's
/// acknowledgement (`acks=all`, idempotent producer).
///
/// The producer should be created with `message.timeout.ms` below ``deadline`` (solicitudes uses 4000 ms)
/// so librdkafka itself gives up first; the deadline is a hard upper bound on top of that, covering the
/// producer's own retries after a fatal handle error, so a caller never waits longer than ``deadline``.
public struct KafkaOrderPublisher: OrderPublisher {
    /// The producer records go through (a `Service` of the application, flushed on shutdown).
    public let producer: KafkaProducer
    /// Where `recibido` is (`PEDIDOS_TOPIC_PREFIX`).
    public let topics: PedidoTopics
    /// The longest `publish` may take before it throws ``PublishDeadlineExceeded``.
    public let deadline: Duration
    private let latency = Timer(label: "solicitudes_publish_duration_seconds", preferredDisplayUnit: .seconds)
    private let failures = Counter(label: "solicitudes_publish_failures_total")

    /// - Parameter deadline: hard upper bound on one `publish` (default 4.5 s, so a 503 comes within 5 s).
    public init(producer: KafkaProducer, topics: PedidoTopics, deadline: Duration = .milliseconds(4500)) {
        self.producer = producer
        self.topics = topics
        self.deadline = deadline
    }

    public func publish(_ pedido: Pedido, enteredAt: Date) async throws {
        let record = PedidoMessage.record(for: pedido, enteredAt: enteredAt, topics: topics)
        let producer = self.producer
        let started = ContinuousClock.now
        do {
            try await Self.withDeadline(deadline) { _ = try await producer.send(record) }
            let elapsed = ContinuousClock.now - started
            latency.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        } catch {
            failures.increment()
            throw error
        }
    }

    /// Runs `operation` but returns (throwing ``PublishDeadlineExceeded``) once `deadline` has passed,
    /// even if `operation` is still waiting; it then finishes in the background.
    static func withDeadline(_ deadline: Duration, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let gate = ResumeOnce(continuation)
            let timer = Task {
                guard (try? await Task.sleep(for: deadline)) != nil else { return }
                gate.resume(with: .failure(PublishDeadlineExceeded(deadline: deadline)))
            }
            Task {
                do {
                    try await operation()
                    gate.resume(with: .success(()))
                } catch {
                    gate.resume(with: .failure(error))
                }
                timer.cancel()
            }
        }
    }

    /// Resumes a continuation exactly once, whichever of the racing tasks comes first.
    private final class ResumeOnce: Sendable {
        private let continuation: Mutex<CheckedContinuation<Void, any Error>?>

        init(_ continuation: CheckedContinuation<Void, any Error>) {
            self.continuation = Mutex(continuation)
        }

        func resume(with result: Result<Void, any Error>) {
            let pending = continuation.withLock { stored -> CheckedContinuation<Void, any Error>? in
                defer { stored = nil }
                return stored
            }
            pending?.resume(with: result)
        }
    }
}
