import Foundation

/// How an order travels on Kafka: topic = its state, key = its id (so every state of one order lands on
/// the same partition number and stays in order), value = ``Pedido/json``, a schema-version header, and
/// the record timestamp = the moment the order entered that state. Documented in
/// `kafka/pedido.schema.json`.
public enum PedidoMessage {
    /// Header naming the value's schema version.
    public static let schemaHeader = "pedidos-schema-version"
    /// The version this code writes. Readers accept any version whose required fields they find.
    public static let schemaVersion = "1"

    /// The record announcing that `pedido` entered `pedido.estado` at `enteredAt`.
    public static func record(for pedido: Pedido, enteredAt: Date, topics: PedidoTopics) -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: topics.topic(for: pedido.estado),
            key: Array(String(pedido.id).utf8),
            value: Array(pedido.json.utf8),
            headers: [KafkaHeader(key: schemaHeader, value: schemaVersion)],
            timestamp: enteredAt)
    }

    /// Decodes a consumed record; the state must match the topic it came from.
    public static func decode(_ message: KafkaMessage, topics: PedidoTopics) throws -> Pedido {
        let json: JSONValue
        do { json = try JSONParser.parse(message.value) } catch {
            throw PedidoDecodingError("valor no es JSON: \(error)")
        }
        let pedido = try Pedido(json: json)
        guard topics.topic(for: pedido.estado) == message.topic else {
            throw PedidoDecodingError("estado \(pedido.estado.rawValue) publicado en el tópico \(message.topic)")
        }
        return pedido
    }
}
