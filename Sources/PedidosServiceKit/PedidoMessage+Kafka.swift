import Foundation
import PedidosDomain
import PedidosKafka

extension PedidoMessage {
    /// The record announcing that `pedido` entered `pedido.estado` at `enteredAt`.
    public static func record(for pedido: Pedido, enteredAt: Date, topics: PedidoTopics) -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: topics.topic(for: pedido.estado),
            key: key(for: pedido),
            value: value(for: pedido),
            headers: [KafkaHeader(key: schemaHeader, value: schemaVersion)],
            timestamp: enteredAt)
    }

    /// Decodes a consumed record; the state must match the topic it came from.
    public static func decode(_ message: KafkaMessage, topics: PedidoTopics) throws -> Pedido {
        try decode(value: message.value, topic: message.topic, topics: topics)
    }
}
