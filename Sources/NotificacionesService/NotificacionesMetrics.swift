import Metrics
import PedidosDomain
import PedidosKafka
import Synchronization

/// The service's metrics, through the swift-metrics API (exported as Prometheus text by
/// ``Observability`` on `GET /metrics`):
///
/// | Metric | Type | Labels |
/// |---|---|---|
/// | `notificaciones_messages_consumed_total` | counter | `topic` |
/// | `notificaciones_undecodable_messages_total` | counter | `topic` |
/// | `notificaciones_transitions_recorded_total` | counter | |
/// | `notificaciones_duplicate_transitions_total` | counter | |
/// | `notificaciones_record_retries_total` | counter (PostgreSQL unavailable, batch retried) | |
/// | `notificaciones_record_batch_size` | histogram of transitions per transaction | |
/// | `notificaciones_record_batch_duration_seconds` | timer (one transaction, retries included) | |
/// | `notificaciones_consumer_lag` | gauge | `topic`, `partition` |
/// | `notificaciones_mails_sent_total` | counter | |
/// | `notificaciones_mails_failed_total` | counter (permanent failures) | |
/// | `notificaciones_mail_retries_total` | counter (transient failures) | |
/// | `notificaciones_mails_uncertain_total` | counter (connection broke after the end of data; re-sent with the same Message-ID within `NOTIFICACIONES_CORREO_REENVIOS`) | |
/// | `notificaciones_mails_pending` | gauge | |
/// | `notificaciones_smtp_send_duration_seconds` | timer | `result` (`ok`, `error`) |
/// | `notificaciones_outbox_handover_wait_seconds` | timer (an end of data waiting for its `sending` commit) | |
public final class NotificacionesMetrics: Sendable {
    private let consumedByTopic: [String: Counter]
    private let undecodableByTopic: [String: Counter]
    let transitionsRecorded = Counter(label: "notificaciones_transitions_recorded_total")
    let duplicates = Counter(label: "notificaciones_duplicate_transitions_total")
    let recordRetries = Counter(label: "notificaciones_record_retries_total")
    let batchSize = Recorder(label: "notificaciones_record_batch_size")
    let batchDuration = Metrics.Timer(label: "notificaciones_record_batch_duration_seconds")
    let mailsSent = Counter(label: "notificaciones_mails_sent_total")
    let mailsFailed = Counter(label: "notificaciones_mails_failed_total")
    let mailRetries = Counter(label: "notificaciones_mail_retries_total")
    let mailsUncertain = Counter(label: "notificaciones_mails_uncertain_total")
    let mailsPending = Gauge(label: "notificaciones_mails_pending")
    let smtpSendOK = Metrics.Timer(label: "notificaciones_smtp_send_duration_seconds", dimensions: [("result", "ok")])
    let smtpSendError = Metrics.Timer(label: "notificaciones_smtp_send_duration_seconds", dimensions: [("result", "error")])
    /// How long an end of data waited for its take's `sending` commit: zero when the commit was over by then.
    let handoverWait = Metrics.Timer(label: "notificaciones_outbox_handover_wait_seconds", preferredDisplayUnit: .seconds)
    /// Partitions whose lag gauge was last set, so revoked ones can be zeroed.
    private let lagPartitions = Mutex<Set<TopicPartition>>([])

    /// Creates the metrics of one service instance reading `topics`.
    public init(topics: PedidoTopics) {
        consumedByTopic = Dictionary(uniqueKeysWithValues: topics.all.map {
            ($0, Counter(label: "notificaciones_messages_consumed_total", dimensions: [("topic", $0)]))
        })
        undecodableByTopic = Dictionary(uniqueKeysWithValues: topics.all.map {
            ($0, Counter(label: "notificaciones_undecodable_messages_total", dimensions: [("topic", $0)]))
        })
    }

    func consumed(topic: String) {
        (consumedByTopic[topic] ?? Counter(label: "notificaciones_messages_consumed_total", dimensions: [("topic", topic)])).increment()
    }

    func undecodable(topic: String) {
        (undecodableByTopic[topic] ?? Counter(label: "notificaciones_undecodable_messages_total", dimensions: [("topic", topic)])).increment()
    }

    /// Sets the lag gauge of every partition in `lag`, and zeroes partitions no longer assigned.
    func updateLag(_ lag: [TopicPartition: Int64]) {
        let previous = lagPartitions.withLock { partitions -> Set<TopicPartition> in
            defer { partitions = Set(lag.keys) }
            return partitions
        }
        for (partition, value) in lag { lagGauge(partition).record(value) }
        for partition in previous.subtracting(lag.keys) { lagGauge(partition).record(0) }
    }

    private func lagGauge(_ partition: TopicPartition) -> Gauge {
        Gauge(label: "notificaciones_consumer_lag", dimensions: [("topic", partition.topic), ("partition", String(partition.partition))])
    }
}
