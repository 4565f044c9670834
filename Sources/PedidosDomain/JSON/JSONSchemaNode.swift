/// One (sub)schema of a ``JSONSchemaSubset``, read once into typed checks: its bounds are parsed, its
/// keywords looked up, and its `format` check found when the validator is made, not for every value.
///
/// A walk reports to a ``ProblemSink`` and names a value's path through a closure, so a walk that only
/// needs a verdict (``Verdict``) writes no text at all; ``Wording`` writes each problem in Spanish.
final class JSONSchemaNode: Sendable {
    /// A numeric keyword's limit, and its text as written in the schema (for the wording).
    struct Bound: Sendable {
        let limit: JSONNumberLiteral
        let text: String
    }

    /// Where a walk reports problems. The text is only built by a sink that keeps it.
    protocol ProblemSink {
        mutating func add(_ problem: @autoclosure () -> String)
    }

    /// Whether there is any problem.
    struct Verdict: ProblemSink {
        private(set) var failed = false
        mutating func add(_ problem: @autoclosure () -> String) { failed = true }
    }

    /// Every problem, worded.
    struct Wording: ProblemSink {
        private(set) var problems: [String] = []
        mutating func add(_ problem: @autoclosure () -> String) { problems.append(problem()) }
    }

    /// `true`/`false` schemas; nil for an object schema.
    private let allowed: Bool?
    private let types: [String]?
    private let options: [JSONValue]?
    private let constant: JSONValue?
    private let required: [String]
    private let properties: [(key: String, node: JSONSchemaNode)]
    private let additionalProperties: JSONSchemaNode?
    private let items: JSONSchemaNode?
    private let minItems: Int?
    private let maxItems: Int?
    private let minLength: Int?
    private let maxLength: Int?
    private let minimum: Bound?
    private let maximum: Bound?
    private let exclusiveMinimum: Bound?
    private let exclusiveMaximum: Bound?
    private let multipleOf: Bound?
    private let format: (name: String, check: JSONSchemaSubset.FormatCheck)?

    /// Reads `schema`, already accepted by ``JSONSchemaSubset``'s check (unknown keywords refused, every
    /// `format` with a check, numeric keywords valid numbers).
    init(_ schema: JSONValue, formats: [String: JSONSchemaSubset.FormatCheck]) {
        if case .bool(let value) = schema { allowed = value } else { allowed = nil }
        types = switch schema["type"] {
        case .string(let name)?: [name]
        case .array(let names)?: names.compactMap { if case .string(let name) = $0 { name } else { nil } }
        case nil: nil
        default: []
        }
        if case .array(let values)? = schema["enum"] { options = values } else { options = nil }
        constant = schema["const"]
        if case .array(let names)? = schema["required"] {
            required = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
        } else {
            required = []
        }
        if case .object(let members)? = schema["properties"] {
            properties = members.map { (key: $0.key, node: JSONSchemaNode($0.value, formats: formats)) }
        } else {
            properties = []
        }
        additionalProperties = schema["additionalProperties"].map { JSONSchemaNode($0, formats: formats) }
        items = schema["items"].map { JSONSchemaNode($0, formats: formats) }
        func count(_ key: String) -> Int? {
            guard case .number(let text)? = schema[key] else { return nil }
            return Int(text)
        }
        func bound(_ key: String) -> Bound? {
            guard case .number(let text)? = schema[key], let limit = JSONNumberLiteral(text) else { return nil }
            return Bound(limit: limit, text: text)
        }
        minItems = count("minItems")
        maxItems = count("maxItems")
        minLength = count("minLength")
        maxLength = count("maxLength")
        minimum = bound("minimum")
        maximum = bound("maximum")
        exclusiveMinimum = bound("exclusiveMinimum")
        exclusiveMaximum = bound("exclusiveMaximum")
        multipleOf = bound("multipleOf")
        if case .string(let name)? = schema["format"], let check = formats[name] {
            format = (name, check)
        } else {
            format = nil
        }
    }

    /// Reports what is wrong with `value`, found at `path` (`""` for the document, else `/a/0/b`).
    func validate<Sink: ProblemSink>(_ value: JSONValue, path: () -> String, into sink: inout Sink) {
        if let allowed {
            if !allowed { sink.add("\(Self.shown(path())): no está permitido") }
            return
        }
        var number: JSONNumberLiteral?
        if case .number(let text) = value { number = JSONNumberLiteral(text) }
        if let types, !types.contains(where: { Self.matches(value, number: number, type: $0) }) {
            sink.add("\(Self.shown(path())): debe ser de tipo \(types.joined(separator: " o ")); es \(value.typeName)")
            return
        }
        if let options, !options.contains(where: { JSONSchemaSubset.equal($0, value) }) {
            sink.add("\(Self.shown(path())): debe ser uno de \(options.map(\.serialized).joined(separator: ", "))")
        }
        if let constant, !JSONSchemaSubset.equal(constant, value) {
            sink.add("\(Self.shown(path())): debe ser \(constant.serialized)")
        }
        switch value {
        case .object(let members):
            for name in required where !members.contains(where: { $0.key == name }) {
                sink.add("\(Self.shown(path() + "/" + name)): es obligatorio")
            }
            for member in members {
                guard let node = properties.first(where: { $0.key == member.key })?.node ?? additionalProperties else { continue }
                node.validate(member.value, path: { path() + "/" + member.key }, into: &sink)
            }
        case .array(let elements):
            if let minItems, elements.count < minItems {
                sink.add("\(Self.shown(path())): tiene \(elements.count) elementos; el mínimo es \(minItems)")
            }
            if let maxItems, elements.count > maxItems {
                sink.add("\(Self.shown(path())): tiene \(elements.count) elementos; el máximo es \(maxItems)")
            }
            if let items {
                for (index, element) in elements.enumerated() {
                    items.validate(element, path: { "\(path())/\(index)" }, into: &sink)
                }
            }
        case .string(let text):
            if minLength != nil || maxLength != nil {
                let length = text.unicodeScalars.count
                if let minLength, length < minLength {
                    sink.add("\(Self.shown(path())): tiene \(length) caracteres; el mínimo es \(minLength)")
                }
                if let maxLength, length > maxLength {
                    sink.add("\(Self.shown(path())): tiene \(length) caracteres; el máximo es \(maxLength)")
                }
            }
            if let format, !format.check(text) {
                sink.add("\(Self.shown(path())): no cumple el formato \(format.name)")
            }
        case .number:
            guard let number else {
                sink.add("\(Self.shown(path())): no es un número JSON válido")
                return
            }
            if let minimum, number < minimum.limit { sink.add("\(Self.shown(path())): debe ser mayor o igual que \(minimum.text)") }
            if let maximum, maximum.limit < number { sink.add("\(Self.shown(path())): debe ser menor o igual que \(maximum.text)") }
            if let exclusiveMinimum, !(exclusiveMinimum.limit < number) {
                sink.add("\(Self.shown(path())): debe ser mayor que \(exclusiveMinimum.text)")
            }
            if let exclusiveMaximum, !(number < exclusiveMaximum.limit) {
                sink.add("\(Self.shown(path())): debe ser menor que \(exclusiveMaximum.text)")
            }
            // A power of ten 10^k: the value's last significant digit must not be below it.
            if let multipleOf, !number.isZero, number.exponent < multipleOf.limit.exponent {
                sink.add("\(Self.shown(path())): debe ser múltiplo de \(multipleOf.text) (tiene \(number.fractionDigits) decimales)")
            }
        default:
            break
        }
    }

    private static func shown(_ path: String) -> String { path.isEmpty ? "(documento)" : String(path.dropFirst()) }

    /// Whether `value` is of the JSON Schema type `type`; `number` is its literal when it is a number.
    private static func matches(_ value: JSONValue, number: JSONNumberLiteral?, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object), ("number", .number):
            return true
        case ("integer", .number):
            return number?.isInteger == true
        default:
            return false
        }
    }
}
