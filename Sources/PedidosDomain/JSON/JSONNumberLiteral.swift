/// The exact value of a JSON number literal, `digits × 10^exponent`, read without any rounding (never
/// through a binary float), so that literals can be compared and their decimals counted exactly.
public struct JSONNumberLiteral: Sendable, Hashable, Comparable {
    /// Whether the literal had a minus sign (`-0` is negative and equal to `0`).
    public let negative: Bool
    /// Significant digits (ASCII), without leading or trailing zeros; empty for zero.
    public let digits: [UInt8]
    /// Power of ten of the last digit.
    public let exponent: Int

    /// Exponents are read up to this magnitude; longer ones are clamped (such values are absurd anyway).
    public static let exponentCap = 1_000_000

    /// Reads `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?` (RFC 8259 section 6); `nil` otherwise.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        var index = 0
        negative = bytes.first == UInt8(ascii: "-")
        if negative { index += 1 }
        let integerStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        let integer = bytes[integerStart..<index]
        guard !integer.isEmpty, integer.count == 1 || integer.first != UInt8(ascii: "0") else { return nil }
        var fraction = bytes[index..<index]
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            fraction = bytes[start..<index]
            guard !fraction.isEmpty else { return nil }
        }
        var written = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var sign = 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                if bytes[index] == UInt8(ascii: "-") { sign = -1 }
                index += 1
            }
            let start = index
            while index < bytes.count, isDigit(bytes[index]) {
                written = Swift.min(Self.exponentCap, written * 10 + Int(bytes[index] - UInt8(ascii: "0")))
                index += 1
            }
            guard index > start else { return nil }
            written *= sign
        }
        guard index == bytes.count else { return nil }
        var significant = ArraySlice(integer + fraction)
        var scale = written - fraction.count
        while significant.first == UInt8(ascii: "0") { significant = significant.dropFirst() }
        while significant.last == UInt8(ascii: "0") {
            significant = significant.dropLast()
            scale += 1
        }
        digits = Array(significant)
        exponent = digits.isEmpty ? 0 : scale
    }

    public var isZero: Bool { digits.isEmpty }

    /// Significant decimals (0 for integers; `759.000` has none, `5.1e-66` has 67).
    public var fractionDigits: Int { Swift.max(0, -exponent) }

    /// Digits before the decimal point (0 when the value is below 1).
    public var integerDigits: Int { Swift.max(0, digits.count + exponent) }

    /// Whether the value is an integer.
    public var isInteger: Bool { exponent >= 0 }

    public static func == (lhs: JSONNumberLiteral, rhs: JSONNumberLiteral) -> Bool {
        (lhs.isZero && rhs.isZero) || (lhs.negative == rhs.negative && lhs.digits == rhs.digits && lhs.exponent == rhs.exponent)
    }

    public func hash(into hasher: inout Hasher) {
        if isZero { hasher.combine(0) } else { hasher.combine(negative); hasher.combine(digits); hasher.combine(exponent) }
    }

    public static func < (lhs: JSONNumberLiteral, rhs: JSONNumberLiteral) -> Bool {
        let lhsSign = lhs.isZero ? 0 : (lhs.negative ? -1 : 1)
        let rhsSign = rhs.isZero ? 0 : (rhs.negative ? -1 : 1)
        if lhsSign != rhsSign { return lhsSign < rhsSign }
        if lhsSign == 0 { return false }
        let magnitudeLess = lhsSign > 0 ? Self.magnitudeLess(lhs, rhs) : Self.magnitudeLess(rhs, lhs)
        return magnitudeLess
    }

    /// |lhs| < |rhs| for non-zero values.
    private static func magnitudeLess(_ lhs: JSONNumberLiteral, _ rhs: JSONNumberLiteral) -> Bool {
        // Position of the leading digit decides first.
        let lhsLead = lhs.digits.count + lhs.exponent, rhsLead = rhs.digits.count + rhs.exponent
        if lhsLead != rhsLead { return lhsLead < rhsLead }
        for index in 0..<Swift.max(lhs.digits.count, rhs.digits.count) {
            let a = index < lhs.digits.count ? lhs.digits[index] : UInt8(ascii: "0")
            let b = index < rhs.digits.count ? rhs.digits[index] : UInt8(ascii: "0")
            if a != b { return a < b }
        }
        return false
    }
}
