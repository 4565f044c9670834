import Foundation
import PedidosDomain

/// Announces a newly received order to the rest of the system.
public protocol PedidoPublisher: Sendable {
    /// Publishes `pedido` (in state `recibido`) and returns only once it is durably stored; throws if
    /// that could not be confirmed in time. The caller must not report success unless this returns.
    func publish(_ pedido: Pedido, enteredAt: Date) async throws
}
