import Foundation
import PedidosDomain

/// An order and the transitions recorded for it, in state order, each with the state of its mail.
public struct PedidoHistorial: Sendable, Hashable {
    /// Delivery state of one notification mail.
    public enum EstadoCorreo: String, Sendable, Hashable {
        /// `incierto`: the connection broke after the mail was handed over; it may or may not have
        /// arrived, and it is not sent again (no duplicates).
        case pendiente, enviando, enviado, fallido, incierto

        /// Maps the `email_outbox.status` column (`pending`, `sending`, `sent`, `failed`, `uncertain`).
        public init?(outboxStatus: String) {
            switch outboxStatus {
            case "pending": self = .pendiente
            case "sending": self = .enviando
            case "uncertain": self = .incierto
            case "sent": self = .enviado
            case "failed": self = .fallido
            default: return nil
            }
        }
    }

    /// The mail sent (or to be sent) for one transition.
    public struct Correo: Sendable, Hashable {
        public let estado: EstadoCorreo
        /// When the SMTP server accepted it.
        public let enviadoEn: Date?
        /// Send attempts made so far.
        public let intentos: Int

        public init(estado: EstadoCorreo, enviadoEn: Date?, intentos: Int) {
            self.estado = estado
            self.enviadoEn = enviadoEn
            self.intentos = intentos
        }
    }

    /// One recorded transition.
    public struct Entrada: Sendable, Hashable {
        public let estado: Estado
        /// When the order entered the state (the Kafka record timestamp).
        public let fecha: Date
        /// Its mail (`nil` only if the row is missing, which the recorder never leaves).
        public let correo: Correo?

        public init(estado: Estado, fecha: Date, correo: Correo?) {
            self.estado = estado
            self.fecha = fecha
            self.correo = correo
        }
    }

    /// The order in its furthest known state.
    public let pedido: Pedido
    /// Transitions sorted by state.
    public let entradas: [Entrada]

    public init(pedido: Pedido, entradas: [Entrada]) {
        self.pedido = pedido
        self.entradas = entradas.sorted { $0.estado < $1.estado }
    }

    /// `{"id","nombre","precio","correo","estado","historial":[{"estado","fecha","correo":{…}}]}`, with
    /// precio exactly as received and dates as ISO-8601 UTC with milliseconds.
    public var jsonValue: JSONValue {
        guard case .object(var members) = pedido.jsonValue else { return pedido.jsonValue }
        members.append(("historial", .array(entradas.map { entrada in
            .object([
                ("estado", .string(entrada.estado.rawValue)),
                ("fecha", .string(NotificacionesTime.iso8601(entrada.fecha))),
                ("correo", entrada.correo.map { correo in
                    .object([
                        ("estado", .string(correo.estado.rawValue)),
                        ("enviado_en", correo.enviadoEn.map { .string(NotificacionesTime.iso8601($0)) } ?? .null),
                        ("intentos", .number(String(correo.intentos))),
                    ])
                } ?? .null),
            ])
        })))
        return .object(members)
    }
}
