import Foundation
import PedidosDomain
import PedidosKafka
import PedidosPostgres
import PedidosServiceKit
import PedidosSupport

/// How the reconciler of notificaciones (``OrderReconciler``) runs, from the environment:
///
/// | Variable | Default | Meaning |
/// |---|---|---|
/// | `NOTIFICACIONES_RECONCILIADOR` | `1` | `0` turns the reconciler off in this instance |
/// | `NOTIFICACIONES_RECONCILIADOR_PERIODO` | `10s` | time between two passes |
/// | `NOTIFICACIONES_RECONCILIADOR_MARGEN` | `30s` | how long past its N an order must be stuck to be re-driven |
/// | `NOTIFICACIONES_RECONCILIADOR_LOTE` | `500` | most orders re-driven in one pass |
/// | `NOTIFICACIONES_RECONCILIADOR_TASA` | `200` | most records per second a pass publishes |
/// | `PEDIDOS_DELAY`, `PEDIDOS_DELAY_<ESTADO>` | `5s` | N of each state (the same values procesamiento reads) |
public struct ReconcilerSettings: Sendable, Hashable {
    /// Whether this instance runs the reconciler.
    public var enabled: Bool
    /// Time between two passes.
    public var period: Duration
    /// Extra time past N before an order counts as stuck.
    public var margin: Duration
    /// Most orders re-driven in one pass.
    public var batchSize: Int
    /// Most records published per second.
    public var ratePerSecond: Int
    /// N of `recibido`, `preparando` and `entregando`.
    public var delays: [Estado: Duration]

    public init(enabled: Bool = true, period: Duration = .seconds(10), margin: Duration = .seconds(30),
                batchSize: Int = 500, ratePerSecond: Int = 200, delays: [Estado: Duration]) {
        self.enabled = enabled
        self.period = period
        self.margin = margin
        self.batchSize = batchSize
        self.ratePerSecond = ratePerSecond
        self.delays = delays
    }

    /// Reads the variables above.
    /// - Throws: ``ConfigurationError`` naming the variable.
    public init(environment: ServiceEnvironment) throws {
        switch environment["NOTIFICACIONES_RECONCILIADOR"]?.lowercased() {
        case nil, "1", "true", "si", "sí", "on": enabled = true
        case "0", "false", "no", "off": enabled = false
        case let other?: throw ConfigurationError("NOTIFICACIONES_RECONCILIADOR=\(other) must be 1 or 0")
        }
        period = try environment.duration("NOTIFICACIONES_RECONCILIADOR_PERIODO", default: .seconds(10))
        margin = try environment.duration("NOTIFICACIONES_RECONCILIADOR_MARGEN", default: .seconds(30))
        batchSize = try environment.positiveInteger("NOTIFICACIONES_RECONCILIADOR_LOTE", default: 500)
        ratePerSecond = try environment.positiveInteger("NOTIFICACIONES_RECONCILIADOR_TASA", default: 200)
        var delays: [Estado: Duration] = [:]
        for estado in Estado.processingStages { delays[estado] = try environment.delay(for: estado) }
        self.delays = delays
    }

    /// How long an order may stay in `estado` before the reconciler re-drives it (N + margin).
    public func threshold(for estado: Estado) -> Duration {
        (delays[estado] ?? .seconds(5)) + margin
    }
}
