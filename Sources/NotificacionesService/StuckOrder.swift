import Foundation
import PedidosDomain
import PedidosKafka
import PedidosPostgres
import PedidosServiceKit
import PedidosSupport

/// An order the pipeline seems to have dropped: its current state (as notificaciones recorded it, or
/// `recibido` for an order it never saw) and when it entered that state.
public struct StuckOrder: Sendable, Hashable {
    /// The order in its current state.
    public let pedido: Pedido
    /// When it entered that state: the timestamp its record is re-published with.
    public let enteredAt: Date

    public init(pedido: Pedido, enteredAt: Date) {
        self.pedido = pedido
        self.enteredAt = enteredAt
    }
}

/// What one look at the stuck orders found.
public struct StuckOrderScan: Sendable {
    /// The oldest stuck orders, oldest first, at most the limit asked for.
    public var orders: [StuckOrder]
    /// How many orders are stuck in all (beyond the limit, and those left out, too).
    public var total: Int
    /// When the oldest stuck order entered its state (`nil` when none is stuck).
    public var oldestEnteredAt: Date?
}
