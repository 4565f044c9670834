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

    let schema: JSONValue
    let formats: [String: FormatCheck]

    public init(schema: JSONValue, formats: [String: FormatCheck] = [:]) throws(Unsupported) {
        try Self.check(schema, at: "#", formats: formats)
        self.schema = schema
        self.formats = formats
    }

    /// What is wrong with `value` (empty when it conforms), one Spanish line per problem, with its path.
    public func problems(_ value: JSONValue) -> [String] {
        var problems: [String] = []
        validate(value, schema, path: "", into: &problems)
        return problems
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

    private func validate(_ value: JSONValue, _ schema: JSONValue, path: String, into problems: inout [String]) {
        if case .bool(let allowed) = schema {
            if !allowed { problems.append("\(shown(path)): no está permitido") }
            return
        }
        let here = shown(path)
        if let type = schema["type"] {
            let names: [String] = switch type {
            case .string(let name): [name]
            case .array(let items): items.compactMap { if case .string(let name) = $0 { name } else { nil } }
            default: []
            }
            guard names.contains(where: { Self.matches(value, type: $0) }) else {
                problems.append("\(here): debe ser de tipo \(names.joined(separator: " o ")); es \(value.typeName)")
                return
            }
        }
        if case .array(let options)? = schema["enum"], !options.contains(where: { Self.equal($0, value) }) {
            problems.append("\(here): debe ser uno de \(options.map(\.serialized).joined(separator: ", "))")
        }
        if let constant = schema["const"], !Self.equal(constant, value) {
            problems.append("\(here): debe ser \(constant.serialized)")
        }
        switch value {
        case .object(let members):
            if case .array(let required)? = schema["required"] {
                for case .string(let name) in required where !members.contains(where: { $0.key == name }) {
                    problems.append("\(shown(path + "/" + name)): es obligatorio")
                }
            }
            let properties: [(key: String, value: JSONValue)] = if case .object(let properties)? = schema["properties"] { properties } else { [] }
            for member in members {
                if let sub = properties.first(where: { $0.key == member.key })?.value {
                    validate(member.value, sub, path: path + "/" + member.key, into: &problems)
                } else if let additional = schema["additionalProperties"] {
                    validate(member.value, additional, path: path + "/" + member.key, into: &problems)
                }
            }
        case .array(let items):
            if case .number(let text)? = schema["minItems"], let bound = Int(text), items.count < bound {
                problems.append("\(here): tiene \(items.count) elementos; el mínimo es \(bound)")
            }
            if case .number(let text)? = schema["maxItems"], let bound = Int(text), items.count > bound {
                problems.append("\(here): tiene \(items.count) elementos; el máximo es \(bound)")
            }
            if let sub = schema["items"] {
                for (index, item) in items.enumerated() { validate(item, sub, path: "\(path)/\(index)", into: &problems) }
            }
        case .string(let text):
            let length = text.unicodeScalars.count
            if case .number(let bound)? = schema["minLength"], let minimum = Int(bound), length < minimum {
                problems.append("\(here): tiene \(length) caracteres; el mínimo es \(minimum)")
            }
            if case .number(let bound)? = schema["maxLength"], let maximum = Int(bound), length > maximum {
                problems.append("\(here): tiene \(length) caracteres; el máximo es \(maximum)")
            }
            if case .string(let format)? = schema["format"], let check = formats[format], !check(text) {
                problems.append("\(here): no cumple el formato \(format)")
            }
        case .number(let text):
            guard let number = JSONNumberLiteral(text) else {
                problems.append("\(here): no es un número JSON válido")
                return
            }
            func bound(_ key: String) -> (JSONNumberLiteral, String)? {
                guard case .number(let text)? = schema[key], let literal = JSONNumberLiteral(text) else { return nil }
                return (literal, text)
            }
            if let (limit, text) = bound("minimum"), number < limit { problems.append("\(here): debe ser mayor o igual que \(text)") }
            if let (limit, text) = bound("maximum"), limit < number { problems.append("\(here): debe ser menor o igual que \(text)") }
            if let (limit, text) = bound("exclusiveMinimum"), !(limit < number) { problems.append("\(here): debe ser mayor que \(text)") }
            if let (limit, text) = bound("exclusiveMaximum"), !(number < limit) { problems.append("\(here): debe ser menor que \(text)") }
            // A power of ten 10^k: the value's last significant digit must not be below it.
            if let (step, text) = bound("multipleOf"), !number.isZero, number.exponent < step.exponent {
                problems.append("\(here): debe ser múltiplo de \(text) (tiene \(number.fractionDigits) decimales)")
            }
        default:
            break
        }
    }

    private func shown(_ path: String) -> String { path.isEmpty ? "(documento)" : String(path.dropFirst()) }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number):
            return true
        case ("integer", .number(let text)):
            return JSONNumberLiteral(text)?.isInteger == true
        default:
            return false
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
