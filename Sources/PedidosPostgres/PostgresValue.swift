import Foundation

/// A query parameter, sent to the server as text next to the SQL (`$1`, `$2`, ...), never spliced into it.
///
/// ```swift
/// try await pool.query(
///     "SELECT * FROM orders WHERE customer = $1 AND total > $2 AND placed_at > $3",
///     [.string("ana"), .decimal(Decimal(string: "10.50")!), .date(since)]
/// )
/// ```
/// Integer, string, boolean, floating-point and `nil` literals work directly: `[42, "ana", true, nil]`.
/// Any `PostgresEncodable` value (including optionals) converts with `PostgresValue(value)`.
public enum PostgresValue: Sendable, Hashable {
    /// SQL NULL.
    case null
    /// An `Int`, sent as `int8`. (Use `.int32` where PostgreSQL wants `int4`, e.g. arguments of `repeat()`.)
    case int(Int)
    /// An `Int64`, sent as `int8`.
    case int64(Int64)
    /// An `Int32`, sent as `int4`.
    case int32(Int32)
    /// Text. Sent with an unspecified type so the server infers it (text, varchar, uuid, jsonb, enums, ...).
    case string(String)
    /// A boolean, sent as `bool`.
    case bool(Bool)
    /// A `Double`, sent as `float8` (NaN and infinities included).
    case double(Double)
    /// An exact decimal, sent as `numeric` in its plain text form (no binary rounding).
    case decimal(Decimal)
    /// An instant, sent as `timestamptz` in ISO-8601 UTC with millisecond precision.
    case date(Date)

    /// Wraps any encodable value; `nil` optionals become `.null`.
    public init(_ value: some PostgresEncodable) {
        self = value.postgresValue
    }

    /// The parameter's type OID for `PQexecParams` (0 lets the server infer it).
    var typeOID: UInt32 {
        switch self {
        case .null, .string: return 0
        case .int, .int64: return 20  // int8
        case .int32: return 23  // int4
        case .bool: return 16  // bool
        case .double: return 701  // float8
        case .decimal: return 1700  // numeric
        case .date: return 1184  // timestamptz
        }
    }

    /// The text the server parses for this parameter (`nil` for NULL).
    var text: String? {
        switch self {
        case .null: return nil
        case .int(let value): return String(value)
        case .int64(let value): return String(value)
        case .int32(let value): return String(value)
        case .string(let value): return value
        case .bool(let value): return value ? "t" : "f"
        case .double(let value):
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
            return String(value)  // shortest round-tripping form, e.g. "0.1" or "1e-05"
        case .decimal(let value):
            return value.isNaN ? "NaN" : value.description  // plain digits with '.', locale independent
        case .date(let value):
            return PostgresTimestamp.format(value)
        }
    }
}

extension PostgresValue: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension PostgresValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension PostgresValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension PostgresValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension PostgresValue: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}
