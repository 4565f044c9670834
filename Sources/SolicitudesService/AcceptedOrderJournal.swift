import Foundation
import PedidosDomain
import PedidosKafka
import PedidosPostgres
import PedidosServiceKit
import PedidosSupport

/// Where solicitudes records every order it is about to accept, durably, so that an order answered `202`
/// is never known only to the broker (the reconciler of notificaciones re-drives it from there).
public protocol AcceptedOrderJournal: Sendable {
    /// Queues `pedido`, accepted at `acceptedAt` (the timestamp of its record on `recibido`), and returns at
    /// once: the ticket's `wait()` returns once it is durably stored, so the caller can publish meanwhile.
    func record(_ pedido: Pedido, acceptedAt: Date) -> WriteTicket

    /// Forgets an order recorded by ``record(_:acceptedAt:)`` whose publication failed (its client got a
    /// `503` and will retry under a new id), so that it is not re-driven. Best effort.
    func discard(_ id: Int64) async

    /// False while the journal is known to be failing: the controller then writes the journal before
    /// publishing instead of at the same time, so an unreachable database publishes nothing.
    var isHealthy: Bool { get }
}
