import Metrics
import PedidosDomain
import PedidosKafka
import PedidosSupport

/// The metrics of one processing stage (exported through the process's Prometheus registry).
struct StageMetrics: Sendable {
    let consumed: Counter
    let produced: Counter
    let undecodable: Counter
    /// How late each transition fired after its due time.
    let lateness: Timer
    /// Records fetched and waiting for their due time.
    let queued: Gauge
    /// Time from a record's timestamp (it entered the state) to its arrival in this worker's queue: what
    /// is left of N when a record arrives. A record that arrives later than N is late whatever the worker does.
    let fetchDelay: Timer
    /// Time from the moment a record could fire (due, or arrived if later) to the dispatcher handing it
    /// out: how late the dispatcher woke up.
    let dispatchWake: Timer
    /// Time from the dispatcher handing a batch out to the start of its publication (the new state's
    /// timestamp), once per batch.
    let dispatchHandoff: Timer
    /// Time from resuming a paused partition to its first record that was already in the broker.
    let resumeLatency: Timer
    /// The resume latency the pause decisions plan with now (upper estimate from recent measurements).
    let resumeLatencyEstimate: Gauge
    let estado: Estado
    let topic: String

    init(estado: Estado, topics: PedidoTopics) {
        self.estado = estado
        topic = topics.topic(for: estado)
        let nextTopic = topics.topic(for: estado.next ?? estado)
        consumed = Counter(label: "pedidos_messages_consumed_total", dimensions: [("topic", topic), ("group", "procesamiento")])
        produced = Counter(label: "pedidos_messages_produced_total", dimensions: [("topic", nextTopic)])
        undecodable = Counter(label: "pedidos_messages_undecodable_total", dimensions: [("topic", topic)])
        lateness = Timer(label: "pedidos_transition_lateness_seconds", dimensions: [("estado", estado.rawValue)],
                         preferredDisplayUnit: .seconds)
        queued = Gauge(label: "pedidos_pending_transitions", dimensions: [("estado", estado.rawValue)])
        fetchDelay = Timer(label: "pedidos_fetch_delay_seconds", dimensions: [("estado", estado.rawValue)],
                           preferredDisplayUnit: .seconds)
        dispatchWake = Timer(label: "pedidos_dispatch_wake_delay_seconds", dimensions: [("estado", estado.rawValue)],
                             preferredDisplayUnit: .seconds)
        dispatchHandoff = Timer(label: "pedidos_dispatch_handoff_seconds", dimensions: [("estado", estado.rawValue)],
                                preferredDisplayUnit: .seconds)
        resumeLatency = Timer(label: "pedidos_resume_first_record_seconds", dimensions: [("estado", estado.rawValue)],
                              preferredDisplayUnit: .seconds)
        resumeLatencyEstimate = Gauge(label: "pedidos_resume_latency_estimate_seconds", dimensions: [("estado", estado.rawValue)])
    }

    func report(lag: [TopicPartition: Int64], paused: Set<TopicPartition>) {
        for (partition, value) in lag {
            Gauge(label: "pedidos_consumer_lag", dimensions: [
                ("group", "procesamiento-\(estado.rawValue)"), ("topic", partition.topic), ("partition", "\(partition.partition)"),
            ]).record(value)
        }
        Gauge(label: "pedidos_assigned_partitions", dimensions: [("estado", estado.rawValue)]).record(lag.count)
        Gauge(label: "pedidos_paused_partitions", dimensions: [("estado", estado.rawValue)]).record(paused.count)
    }
}
