import Foundation
import PedidosDomain
import PedidosKafka

extension PedidoMessage {
    /// The record announcing that `pedido` entered `pedido.estado` at `enteredAt`.
    /// - Throws: ``PedidoSchemaViolation`` when the value would not conform to `kafka/pedido.schema.json`:
    ///   such a record is never published.
    public static func record(for pedido: Pedido, enteredAt: Date, topics: PedidoTopics) throws(PedidoSchemaViolation) -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: topics.topic(for: pedido.estado),
            key: key(for: pedido),
            value: try value(for: pedido),
            headers: [KafkaHeader(key: schemaHeader, value: schemaVersion)],
            timestamp: enteredAt)
    }

    /// Decodes a consumed record: its schema-version header must name a major version this code knows,
    /// its value must conform to `kafka/pedido.schema.json`, and its state must match its topic.
    public static func decode(_ message: KafkaMessage, topics: PedidoTopics) throws -> Pedido {
        try checkSchemaVersion(message.header(schemaHeader)?.stringValue)
        return try decode(value: message.value, topic: message.topic, topics: topics)
    }
}
