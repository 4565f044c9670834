import Foundation

/// A Swift type that can be sent as a query parameter.
public protocol PostgresEncodable: Sendable {
    /// The parameter this value is sent as.
    var postgresValue: PostgresValue { get }
}

/// A Swift type that can be read from a column's text representation (`PostgresRow.decode(_:as:)`).
public protocol PostgresDecodable: Sendable {
    /// Decodes a column value; `text` is `nil` for SQL NULL.
    /// - Throws: `PostgresError` of kind `.decoding` when the text does not fit the type or NULL is not allowed.
    init(postgresText text: String?) throws
}

/// Decodes non-NULL text with `parse`, throwing a decoding error for NULL or unparseable text.
private func decodeRequired<T>(_ text: String?, as type: T.Type, _ parse: (String) -> T?) throws -> T {
    guard let text else {
        throw PostgresError(.decoding, "unexpected NULL for a \(T.self) value")
    }
    guard let value = parse(text) else {
        throw PostgresError(.decoding, "cannot read '\(text)' as \(T.self)")
    }
    return value
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .int(self) }
    public init(postgresText text: String?) throws { self = try decodeRequired(text, as: Int.self) { Int($0) } }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .int64(self) }
    public init(postgresText text: String?) throws { self = try decodeRequired(text, as: Int64.self) { Int64($0) } }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .int32(self) }
    public init(postgresText text: String?) throws { self = try decodeRequired(text, as: Int32.self) { Int32($0) } }
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .string(self) }
    public init(postgresText text: String?) throws { self = try decodeRequired(text, as: String.self) { $0 } }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .bool(self) }
    public init(postgresText text: String?) throws {
        self = try decodeRequired(text, as: Bool.self) { text in
            switch text {
            case "t", "true": return true
            case "f", "false": return false
            default: return nil
            }
        }
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .double(self) }
    public init(postgresText text: String?) throws {
        self = try decodeRequired(text, as: Double.self) { text in
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(text)
            }
        }
    }
}

extension Decimal: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .decimal(self) }

    /// Reads `numeric` text exactly (the POSIX locale, so '.' is the separator). The value is exact up to
    /// `Decimal`'s 38 significant digits, but `Decimal` does not keep trailing zeros: "759.000" becomes 759.
    /// Read the column with `PostgresRow.string(_:)` when the scale itself matters.
    public init(postgresText text: String?) throws {
        self = try decodeRequired(text, as: Decimal.self) { text in
            if text == "NaN" { return .nan }
            // Decimal(string:) accepts a numeric prefix ("1.5abc" → 1.5); insist on a whole number.
            let allowed = Set("0123456789+-.eE")
            guard !text.isEmpty, text.allSatisfy(allowed.contains), text.filter({ $0 == "." }).count <= 1 else { return nil }
            return Decimal(string: text, locale: PostgresTimestamp.posixLocale)
        }
    }
}

extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .date(self) }

    /// Reads `timestamptz`, `timestamp` (taken as UTC) and `date` text in the ISO style this layer sets on
    /// every connection; `infinity` and `-infinity` become `distantFuture` and `distantPast`.
    public init(postgresText text: String?) throws {
        self = try decodeRequired(text, as: Date.self) { PostgresTimestamp.parse($0) }
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresValue: PostgresValue { self?.postgresValue ?? .null }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// NULL decodes as `nil`; anything else as `Wrapped`.
    public init(postgresText text: String?) throws {
        self = try text.map { try Wrapped(postgresText: $0) }
    }
}

extension PostgresValue: PostgresEncodable {
    public var postgresValue: PostgresValue { self }
}
