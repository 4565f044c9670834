import Foundation

/// PostgreSQL array literals (`{…}`), so a batch travels as a handful of array parameters expanded with
/// `unnest(...)` on the server: seven parameters for five hundred rows instead of 3,500, which keeps
/// parsing and planning cheap whatever the batch size.
package enum PostgresArrayLiteral {
    /// `{1,2,3}`.
    package static func integers<T: BinaryInteger>(_ values: [T]) -> PostgresValue {
        var literal = "{"
        literal.reserveCapacity(2 + values.count * 8)
        for (index, value) in values.enumerated() {
            if index > 0 { literal += "," }
            literal += String(value)
        }
        literal += "}"
        return .string(literal)
    }

    /// `{"a","b \"c\""}`: every element quoted, `\` and `"` escaped (NUL is not allowed in PostgreSQL text).
    package static func texts(_ values: [String]) -> PostgresValue {
        var literal = "{"
        literal.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { literal += "," }
            literal += "\""
            if value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }) {
                for character in value.unicodeScalars {
                    if character == "\\" || character == "\"" { literal.unicodeScalars.append("\\") }
                    literal.unicodeScalars.append(character)
                }
            } else {
                literal += value  // nothing to escape: states, timestamps, most names
            }
            literal += "\""
        }
        literal += "}"
        return .string(literal)
    }

    /// Timestamps as ISO-8601 UTC text with milliseconds.
    package static func timestamps(_ values: [Date]) -> PostgresValue {
        texts(values.map(PostgresTimestamp.format))
    }
}
