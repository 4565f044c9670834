import Foundation
import PedidosDomain
import PedidosSupport

/// The mail announcing that an order entered a state: Spanish subject and body with the order's data,
/// and a Message-ID derived only from the order id and the state, so every attempt (and every replica)
/// sends the same logical message and receivers can recognise a duplicate.
public struct NotificationMail: Sendable, Hashable {
    /// Recipient address (the order's `correo`).
    public let recipient: String
    /// Spanish subject, e.g. `Tu pedido #12 está preparando`.
    public let subject: String
    /// Spanish plain-text body.
    public let body: String
    /// `<pedido-<id>-<estado>@<domain>>`, angle brackets included.
    public let messageID: String

    /// Composes the mail for `pedido` having entered `pedido.estado` at `enteredAt`.
    /// - Parameter domain: right-hand side of the Message-ID (the domain of `SMTP_FROM`).
    public init(pedido: Pedido, enteredAt: Date, domain: String) {
        recipient = pedido.correo
        subject = "Tu pedido #\(pedido.id) está \(pedido.estado.rawValue)"
        messageID = Self.messageID(orderID: pedido.id, estado: pedido.estado, domain: domain)
        body = """
            Hola:

            Tu pedido #\(pedido.id) está \(pedido.estado.rawValue). \(Self.sentence(for: pedido.estado))

            Pedido: #\(pedido.id)
            Nombre: \(pedido.nombre)
            Precio: \(pedido.precio.text)
            Estado: \(pedido.estado.rawValue)
            Fecha: \(NotificacionesTime.iso8601(enteredAt))

            Gracias por tu compra.
            Pedidos

            """
    }

    /// The deterministic Message-ID of the mail for `estado` of order `orderID`.
    public static func messageID(orderID: Int64, estado: Estado, domain: String) -> String {
        "<pedido-\(orderID)-\(estado.rawValue)@\(domain)>"
    }

    /// One friendly Spanish sentence per state.
    static func sentence(for estado: Estado) -> String {
        switch estado {
        case .recibido: return "Lo recibimos y pronto empezaremos a prepararlo."
        case .preparando: return "Ya lo estamos preparando."
        case .entregando: return "Ya va en camino."
        case .finalizado: return "Fue entregado. ¡Que lo disfrutes!"
        }
    }
}

/// Timestamp text shared by the HTTP answers and the mails.
enum NotificacionesTime {
    /// `2026-11-27T05:41:12.345Z`: ISO-8601, UTC, milliseconds.
    static func iso8601(_ date: Date) -> String { ISO8601Timestamp.format(date) }
}
