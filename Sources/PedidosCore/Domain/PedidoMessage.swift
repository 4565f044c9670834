import Foundation

/// How an order travels on Kafka: topic = its state, key = its id (so every state of one order lands on
/// the same partition number and stays in order), value = ``Pedido/json``, a schema-version header, and
/// the record timestamp = the moment the order entered that state. Documented in
/// `kafka/pedido.schema.json`.
public enum PedidoMessage {
    /// Header naming the value's schema version.
    public static let schemaHeader = "pedidos-schema-version"
    /// The version this code writes. Readers accept the major versions they know
    /// (``PedidoSchema/knownMajorVersions``); a minor (`1.1`) only adds optional fields.
    public static let schemaVersion = "1"

    /// The record announcing that `pedido` entered `pedido.estado` at `enteredAt`.
    /// - Throws: ``PedidoSchemaViolation`` when the value would not conform to `kafka/pedido.schema.json`:
    ///   such a record is never published.
    public static func record(for pedido: Pedido, enteredAt: Date, topics: PedidoTopics) throws(PedidoSchemaViolation) -> KafkaProducerRecord {
        let problems = PedidoSchema.problems(pedido.jsonValue)
        guard problems.isEmpty else { throw PedidoSchemaViolation(problems: problems) }
        return KafkaProducerRecord(
            topic: topics.topic(for: pedido.estado),
            key: Array(String(pedido.id).utf8),
            value: Array(pedido.json.utf8),
            headers: [KafkaHeader(key: schemaHeader, value: schemaVersion)],
            timestamp: enteredAt)
    }

    /// Decodes a consumed record: its schema-version header must name a major version this code knows,
    /// its value must conform to `kafka/pedido.schema.json`, and its state must match its topic.
    public static func decode(_ message: KafkaMessage, topics: PedidoTopics) throws -> Pedido {
        guard let version = message.header(schemaHeader)?.stringValue else {
            throw PedidoDecodingError("falta la cabecera \(schemaHeader)")
        }
        let major = String(version.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        guard PedidoSchema.knownMajorVersions.contains(major) else {
            throw PedidoDecodingError("versión de esquema «\(version.prefix(40))» desconocida (se leen: \(PedidoSchema.knownMajorVersions.sorted().joined(separator: ", ")))")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(message.value) } catch {
            throw PedidoDecodingError("valor no es JSON: \(error)")
        }
        let problems = PedidoSchema.problems(json)
        guard problems.isEmpty else {
            throw PedidoDecodingError("no cumple kafka/pedido.schema.json: " + problems.joined(separator: "; "))
        }
        let pedido = try Pedido(json: json)
        guard topics.topic(for: pedido.estado) == message.topic else {
            throw PedidoDecodingError("estado \(pedido.estado.rawValue) publicado en el tópico \(message.topic)")
        }
        return pedido
    }
}
