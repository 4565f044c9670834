import PedidosDomain

/// Read access to the orders notificaciones has recorded (what `GET /pedidos/:id` answers).
public protocol PedidoRepository: Sendable {
    /// The order in its furthest known state, or `nil` when no transition of it was recorded.
    func pedido(id: Int64) async throws -> Pedido?

    /// The order with every recorded transition and the state of its mail, or `nil` when unknown.
    func historial(id: Int64) async throws -> PedidoHistorial?
}
