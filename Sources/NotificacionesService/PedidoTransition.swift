import Foundation
import PedidosDomain
import PedidosKafka
import PedidosServiceKit

/// One consumed state message: the order as published, when it entered that state (the Kafka record
/// timestamp) and where the record came from.
public struct PedidoTransition: Sendable, Hashable {
    /// The order, in the state it entered.
    public let pedido: Pedido
    /// When the order entered `pedido.estado` (the record's timestamp).
    public let enteredAt: Date
    /// Kafka partition of the record.
    public let partition: Int32
    /// Kafka offset of the record.
    public let offset: Int64

    public init(pedido: Pedido, enteredAt: Date, partition: Int32, offset: Int64) {
        self.pedido = pedido
        self.enteredAt = enteredAt
        self.partition = partition
        self.offset = offset
    }

    /// Decodes a consumed record (see ``PedidoMessage/decode(_:topics:)``) and checks that its text can be
    /// stored (PostgreSQL text cannot hold NUL characters). A record without a timestamp gets `now`.
    /// - Throws: ``PedidoDecodingError`` for a record that is not a valid order.
    public init(message: KafkaMessage, topics: PedidoTopics, now: Date = Date()) throws {
        let pedido = try PedidoMessage.decode(message, topics: topics)
        guard !pedido.nombre.utf8.contains(0), !pedido.correo.utf8.contains(0) else {
            throw PedidoDecodingError("el nombre o el correo contienen el carácter NUL")
        }
        self.init(pedido: pedido, enteredAt: message.timestamp ?? now, partition: message.partition, offset: message.offset)
    }
}
