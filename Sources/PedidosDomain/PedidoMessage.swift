import Foundation

/// How an order travels on Kafka: topic = its state, key = its id (so every state of one order lands on
/// the same partition number and stays in order), value = ``Pedido/json``, a schema-version header, and
/// the record timestamp = the moment the order entered that state. Documented in
/// `kafka/pedido.schema.json`.
///
/// The domain only says what goes in each part; `PedidosServiceKit` turns it into a Kafka record
/// (`PedidoMessage.record(for:enteredAt:topics:)`) and back (`PedidoMessage.decode(_:topics:)`).
public enum PedidoMessage {
    /// Header naming the value's schema version.
    public static let schemaHeader = "pedidos-schema-version"
    /// The version this code writes. Readers accept any version whose required fields they find.
    public static let schemaVersion = "1"

    /// The record key of `pedido`: its id in decimal, UTF-8.
    public static func key(for pedido: Pedido) -> [UInt8] { Array(String(pedido.id).utf8) }

    /// The record value of `pedido`: ``Pedido/json``, UTF-8.
    public static func value(for pedido: Pedido) -> [UInt8] { Array(pedido.json.utf8) }

    /// Decodes a record's value consumed from `topic`; the state must match the topic it came from.
    public static func decode(value: [UInt8], topic: String, topics: PedidoTopics) throws -> Pedido {
        let json: JSONValue
        do { json = try JSONParser.parse(value) } catch {
            throw PedidoDecodingError("valor no es JSON: \(error)")
        }
        let pedido = try Pedido(json: json)
        guard topics.topic(for: pedido.estado) == topic else {
            throw PedidoDecodingError("estado \(pedido.estado.rawValue) publicado en el tópico \(topic)")
        }
        return pedido
    }
}
