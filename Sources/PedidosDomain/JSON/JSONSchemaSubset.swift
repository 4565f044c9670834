/// A validator for the part of JSON Schema (draft 2020-12) that the project's contracts use: `type`,
/// `enum`, `const`, `required`, `properties`, `additionalProperties`, `items`, `minItems`, `maxItems`,
/// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf` (powers of ten only, e.g.
/// `0.0001`: at most 4 decimals), `minLength`, `maxLength` (in Unicode scalars) and `format` (with checks supplied by the caller). Numbers are compared exactly
/// (``JSONNumberLiteral``). A schema using any other constraining keyword is refused when the validator is
/// made, so that a contract can never be loosened silently by a keyword nobody checks.
public struct JSONSchemaSubset: Sendable {
    /// A check for a `format` value.
    public typealias FormatCheck = @Sendable (String) -> Bool

    /// A schema this validator cannot enforce.
    public struct Unsupported: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    static let annotations: Set<String> = ["$schema", "$id", "$comment", "title", "description", "examples", "default"]
    static let constraints: Set<String> = [
        "type", "enum", "const", "required", "properties", "additionalProperties", "items", "minItems", "maxItems",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "format",
    ]

    /// The schema read once into typed checks, so validating a value does not look keywords up or re-read bounds.
    let root: JSONSchemaNode

    public init(schema: JSONValue, formats: [String: FormatCheck] = [:]) throws(Unsupported) {
        try Self.check(schema, at: "#", formats: formats)
        self.root = JSONSchemaNode(schema, formats: formats)
    }

    /// What is wrong with `value` (empty when it conforms), one Spanish line per problem, with its path.
    /// A conforming value is decided without writing any text; only a failing one is walked again for the
    /// wording.
    public func problems(_ value: JSONValue) -> [String] {
        var verdict = JSONSchemaNode.Verdict()
        root.validate(value, path: { "" }, into: &verdict)
        guard verdict.failed else { return [] }
        var wording = JSONSchemaNode.Wording()
        root.validate(value, path: { "" }, into: &wording)
        return wording.problems
    }

    private static func check(_ schema: JSONValue, at path: String, formats: [String: FormatCheck]) throws(Unsupported) {
        if case .bool = schema { return }
        guard case .object(let members) = schema else { throw Unsupported(description: "\(path): a schema must be an object") }
        for (key, value) in members {
            guard annotations.contains(key) || constraints.contains(key) else {
                throw Unsupported(description: "\(path): keyword \(key) is not supported")
            }
            switch key {
            case "properties":
                guard case .object(let properties) = value else { throw Unsupported(description: "\(path)/properties") }
                for (name, sub) in properties { try check(sub, at: "\(path)/properties/\(name)", formats: formats) }
            case "additionalProperties", "items":
                try check(value, at: "\(path)/\(key)", formats: formats)
            case "format":
                guard case .string(let format) = value, formats[format] != nil else {
                    throw Unsupported(description: "\(path): format \(value.serialized) has no check")
                }
            case "multipleOf":
                guard case .number(let text) = value, let literal = JSONNumberLiteral(text), !literal.negative,
                      literal.digits == [UInt8(ascii: "1")] else {
                    throw Unsupported(description: "\(path)/multipleOf: only powers of ten are supported")
                }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                guard case .number(let text) = value, JSONNumberLiteral(text) != nil else { throw Unsupported(description: "\(path)/\(key)") }
            default:
                break
            }
        }
    }

    /// JSON equality, numbers by value (`1.0` equals `1`).
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if case .number(let a) = lhs, case .number(let b) = rhs {
            return JSONNumberLiteral(a).flatMap { x in JSONNumberLiteral(b).map { x == $0 } } ?? (a == b)
        }
        return lhs == rhs
    }
}
