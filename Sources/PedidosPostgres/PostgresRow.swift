import Foundation

/// One result row. Values arrive in PostgreSQL's text format and are decoded when read:
///
/// ```swift
/// let row = try await pool.query("SELECT id, total, note FROM orders WHERE id = $1", [.int64(id)])[0]
/// let id = try row.int64("id")
/// let total = try row.decimal("total")           // exact value
/// let totalText = try row.string("total")        // exact text, e.g. "759.000"
/// let note = try row.decode("note", as: String?.self)  // nil for NULL
/// ```
/// The typed accessors throw `PostgresError` (kind `.decoding`) for an unknown column, for NULL and for text
/// that does not fit the type; use `decode(_:as:)` with an optional type to accept NULL.
public struct PostgresRow: Sendable {
    /// Column names and their positions, shared by all rows of one result.
    final class Columns: Sendable {
        let names: [String]
        let indexes: [String: Int]

        init(names: [String]) {
            self.names = names
            var indexes: [String: Int] = [:]
            for (index, name) in names.enumerated() where indexes[name] == nil { indexes[name] = index }
            self.indexes = indexes
        }
    }

    let columns: Columns
    let values: [String?]

    init(columns: Columns, values: [String?]) {
        self.columns = columns
        self.values = values
    }

    /// The column names, in result order.
    public var columnNames: [String] { columns.names }

    /// The raw text of a column (`nil` for NULL). The first column of that name wins.
    /// - Throws: `PostgresError` of kind `.decoding` when there is no such column.
    public func text(_ column: String) throws -> String? {
        guard let index = columns.indexes[column] else {
            throw PostgresError(.decoding, "no column named '\(column)' (columns: \(columns.names.joined(separator: ", ")))")
        }
        return values[index]
    }

    /// The raw text of the column at `index` (`nil` for NULL).
    public func text(at index: Int) throws -> String? {
        guard values.indices.contains(index) else {
            throw PostgresError(.decoding, "no column at index \(index) (the row has \(values.count))")
        }
        return values[index]
    }

    /// True when the column is SQL NULL.
    public func isNull(_ column: String) throws -> Bool { try text(column) == nil }

    /// Decodes a column as any `PostgresDecodable` type; optional types read NULL as `nil`.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        let text = try text(column)
        do {
            return try T(postgresText: text)
        } catch let error as PostgresError {
            throw PostgresError(.decoding, "column '\(column)': \(error.message)")
        }
    }

    /// The column as `Int64` (`int2`, `int4`, `int8`).
    public func int64(_ column: String) throws -> Int64 { try decode(column) }
    /// The column as `Int`.
    public func int(_ column: String) throws -> Int { try decode(column) }
    /// The column as `Int32`.
    public func int32(_ column: String) throws -> Int32 { try decode(column) }
    /// The column's text (works for every type: it is PostgreSQL's text output, e.g. "759.000" for numeric).
    public func string(_ column: String) throws -> String { try decode(column) }
    /// The column as `Bool`.
    public func bool(_ column: String) throws -> Bool { try decode(column) }
    /// The column as `Double` (`float4`, `float8`, also `numeric` with possible rounding).
    public func double(_ column: String) throws -> Double { try decode(column) }
    /// The column as an exact `Decimal` (`numeric`, integers). Trailing zeros of the scale are not kept; see
    /// `string(_:)` for the exact text.
    public func decimal(_ column: String) throws -> Decimal { try decode(column) }
    /// The column as `Date` (`timestamptz`, `timestamp` taken as UTC, `date` at midnight UTC).
    public func date(_ column: String) throws -> Date { try decode(column) }
}
