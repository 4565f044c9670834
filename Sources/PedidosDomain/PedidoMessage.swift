import Foundation

/// How an order travels on Kafka: topic = its state, key = its id, partition = the one solicitudes chose
/// for its `recibido` record (procesamiento keeps that number for every later state), value =
/// ``Pedido/json``, a schema-version header, and the record timestamp = the moment the order entered that
/// state. Documented in `kafka/pedido.schema.json` and `kafka/topics.md`.
///
/// The domain only says what goes in each part and what a reader accepts; `PedidosServiceKit` turns it
/// into a Kafka record (`PedidoMessage.record(for:enteredAt:topics:)`) and back
/// (`PedidoMessage.decode(_:topics:)`).
public enum PedidoMessage {
    /// Header naming the value's schema version.
    public static let schemaHeader = "pedidos-schema-version"
    /// The version this code writes. Readers accept the major versions they know
    /// (``PedidoSchema/knownMajorVersions``); a minor (`1.1`) only adds optional fields.
    public static let schemaVersion = "1"

    /// The record key of `pedido`: its id in decimal, UTF-8.
    public static func key(for pedido: Pedido) -> [UInt8] { Array(String(pedido.id).utf8) }

    /// The record value of `pedido`: ``Pedido/json``, UTF-8.
    /// - Throws: ``PedidoSchemaViolation`` when it would not conform to `kafka/pedido.schema.json`: such a
    ///   value is never published.
    public static func value(for pedido: Pedido) throws(PedidoSchemaViolation) -> [UInt8] {
        let json = pedido.jsonValue
        let problems = PedidoSchema.problems(json)
        guard problems.isEmpty else { throw PedidoSchemaViolation(problems: problems) }
        return Array(json.serialized.utf8)
    }

    /// Checks a consumed record's schema-version header: it must name a major version this code knows.
    public static func checkSchemaVersion(_ version: String?) throws {
        guard let version else { throw PedidoDecodingError("falta la cabecera \(schemaHeader)") }
        let major = String(version.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        guard PedidoSchema.knownMajorVersions.contains(major) else {
            throw PedidoDecodingError("versión de esquema «\(version.prefix(40))» desconocida (se leen: \(PedidoSchema.knownMajorVersions.sorted().joined(separator: ", ")))")
        }
    }

    /// Decodes a record's value consumed from `topic`: it must conform to `kafka/pedido.schema.json`, and
    /// its state must match the topic it came from.
    public static func decode(value: [UInt8], topic: String, topics: PedidoTopics) throws -> Pedido {
        let json: JSONValue
        do { json = try JSONParser.parse(value) } catch {
            throw PedidoDecodingError("valor no es JSON: \(error)")
        }
        let problems = PedidoSchema.problems(json)
        guard problems.isEmpty else {
            throw PedidoDecodingError("no cumple kafka/pedido.schema.json: " + problems.joined(separator: "; "))
        }
        let pedido = try Pedido(json: json)
        guard topics.topic(for: pedido.estado) == topic else {
            throw PedidoDecodingError("estado \(pedido.estado.rawValue) publicado en el tópico \(topic)")
        }
        return pedido
    }
}
