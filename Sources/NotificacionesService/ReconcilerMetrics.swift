import PedidosDomain
import Metrics

/// The reconciler's metrics (swift-metrics; exported on `GET /metrics` of notificaciones):
///
/// | Metric | Type | Labels |
/// |---|---|---|
/// | `notificaciones_reconciler_redriven_total` | counter: orders whose current state was re-published | `estado` |
/// | `notificaciones_reconciler_stuck_orders` | gauge: orders stuck at the last pass | |
/// | `notificaciones_reconciler_oldest_stuck_seconds` | gauge: how long the oldest stuck order has been in its state | |
/// | `notificaciones_reconciler_passes_total` | counter | `resultado` (`ok`, `otra_instancia`, `error`) |
public struct ReconcilerMetrics: Sendable {
    let redriven: [Estado: Counter] = Dictionary(uniqueKeysWithValues: Estado.processingStages.map {
        ($0, Counter(label: "notificaciones_reconciler_redriven_total", dimensions: [("estado", $0.rawValue)]))
    })
    let stuck = Gauge(label: "notificaciones_reconciler_stuck_orders")
    let oldestStuck = Gauge(label: "notificaciones_reconciler_oldest_stuck_seconds")
    let passesOK = Counter(label: "notificaciones_reconciler_passes_total", dimensions: [("resultado", "ok")])
    let passesSkipped = Counter(label: "notificaciones_reconciler_passes_total", dimensions: [("resultado", "otra_instancia")])
    let passesFailed = Counter(label: "notificaciones_reconciler_passes_total", dimensions: [("resultado", "error")])

    public init() {}
}
