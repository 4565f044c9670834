/// `kafka/pedido.schema.json` (embedded as ``PedidoSchemaDocument``), enforced on both sides: the
/// producers refuse to publish a record whose value does not conform, and the consumers send such a
/// record to the dead-letter topic instead of processing it. `format: email` means what solicitudes
/// accepts (``PedidoFieldRules/correoProblem(_:)``).
public enum PedidoSchema {
    /// The validator for schema version 1.
    public static let validator: JSONSchemaSubset = {
        do {
            let document = try JSONParser.parse(PedidoSchemaDocument.text)
            return try JSONSchemaSubset(schema: document, formats: ["email": { PedidoFieldRules.correoProblem($0) == nil }])
        } catch {
            fatalError("kafka/pedido.schema.json cannot be enforced: \(error)")
        }
    }()

    /// Major versions of the value this code can read (the header may carry a minor: `1.2`).
    public static let knownMajorVersions: Set<String> = ["1"]

    /// What is wrong with `value` under version 1 (empty when it conforms).
    public static func problems(_ value: JSONValue) -> [String] { validator.problems(value) }
}

/// A record that does not conform to `kafka/pedido.schema.json`; it is never published.
public struct PedidoSchemaViolation: Error, Sendable, CustomStringConvertible {
    public let problems: [String]
    public var description: String { "el registro no cumple kafka/pedido.schema.json: " + problems.joined(separator: "; ") }
}
