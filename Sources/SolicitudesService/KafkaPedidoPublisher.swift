import Foundation
import Metrics
import PedidosDomain
import PedidosKafka
import PedidosServiceKit
import PedidosSupport

/// Publishes new orders to the `recibido` topic with ``PedidoMessage`` and waits for the broker's
/// acknowledgement (`acks=all`, idempotent producer).
///
/// The producer should be created with `message.timeout.ms` below ``deadline`` (solicitudes uses 3500 ms)
/// so librdkafka itself gives up first; the deadline is a hard upper bound on top of that, enforced by the
/// producer on a thread of its own (its deadline sweep, every 50 ms, and its retries after a fatal handle
/// error both stop there), so a caller never waits much longer than ``deadline``.
public struct KafkaPedidoPublisher: PedidoPublisher {
    /// The producer records go through (a `Service` of the application, flushed on shutdown).
    public let producer: KafkaProducer
    /// Where `recibido` is (`PEDIDOS_TOPIC_PREFIX`).
    public let topics: PedidoTopics
    /// The longest `publish` may take before it throws ``PublishDeadlineExceeded``.
    public let deadline: Duration
    /// When set, `recibido`'s partition comes from the time window instead of the key hash.
    let partitionWindow: RecibidoPartitionWindow?
    private let latency = Timer(label: "solicitudes_publish_duration_seconds", preferredDisplayUnit: .seconds)
    private let failures = Counter(label: "solicitudes_publish_failures_total")

    /// - Parameter deadline: hard upper bound on one `publish` (default 4 s, so a 503 comes within 5 s with
    ///   a second to spare on a busy machine).
    public init(producer: KafkaProducer, topics: PedidoTopics, deadline: Duration = .seconds(4)) {
        self.init(producer: producer, topics: topics, deadline: deadline, partitionWindow: nil)
    }

    init(producer: KafkaProducer, topics: PedidoTopics, deadline: Duration = .seconds(4),
         partitionWindow: RecibidoPartitionWindow?) {
        self.producer = producer
        self.topics = topics
        self.deadline = deadline
        self.partitionWindow = partitionWindow
    }

    public func publish(_ pedido: Pedido, enteredAt: Date) async throws {
        var record = try PedidoMessage.record(for: pedido, enteredAt: enteredAt, topics: topics)
        let started = ContinuousClock.now
        if let partitionWindow { record.partition = partitionWindow.partition(at: started) }
        do {
            try await producer.send(record, deadline: started + deadline)
            latency.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        } catch let error as KafkaError where error.kind == .deadlineExceeded {
            failures.increment()
            throw PublishDeadlineExceeded(deadline: deadline)
        } catch {
            failures.increment()
            throw error
        }
    }
}
