import Foundation

/// A price exactly as the client wrote it (e.g. `759.000`), validated as a JSON number ≥ 0, below
/// ``maximum``, with at most ``maximumFractionDigits`` significant decimals. The text is what is stored,
/// published and answered, so no digit is ever lost; `decimal` is for arithmetic and comparisons.
///
/// The literal is checked exactly, digit by digit (never through a binary float or `Decimal(string:)`):
/// `5.144274342358062e-66` is a finite number, but not a price — it has 81 decimals.
public struct Precio: Sendable, Hashable, CustomStringConvertible {
    /// The JSON number literal as received.
    public let text: String
    /// Its exact decimal value.
    public let decimal: Decimal

    /// Prices must be below this (10^12): a bound against absurd values, far above any real order.
    public static let maximum = Decimal(sign: .plus, exponent: maximumIntegerDigits, significand: 1)
    /// Integer digits of the largest accepted price (999 999 999 999.9999).
    public static let maximumIntegerDigits = 12
    /// Most significant decimals (trailing zeros do not count: `759.000` has none). 4 is the most minor
    /// units any ISO 4217 currency has (e.g. CLF, the Chilean *unidad de fomento*).
    public static let maximumFractionDigits = 4
    /// Longest accepted literal.
    public static let maximumLength = 40

    /// Why a number is not an acceptable price (Spanish, shown to clients).
    public enum Problem: Error, Sendable, Equatable {
        case negative, tooLarge, tooLong, notANumber
        /// More significant decimals than ``Precio/maximumFractionDigits`` (the count, capped for huge exponents).
        case tooManyDecimals(Int)
        public var message: String {
            switch self {
            case .negative: return "debe ser mayor o igual que 0 (sin signo '-')"
            case .tooLarge: return "debe ser menor que 1000000000000"
            case .tooLong: return "tiene demasiados dígitos (máximo \(Precio.maximumLength) caracteres)"
            case .notANumber: return "debe ser un número JSON (por ejemplo 759.000)"
            case .tooManyDecimals(let count):
                let shown = count >= Precio.exponentCap ? "\(Precio.exponentCap) o más" : "\(count)"
                return "tiene \(shown) decimales; un precio admite a lo más \(Precio.maximumFractionDigits)"
            }
        }
    }

    /// Exponents beyond this magnitude are clamped when read (see ``JSONNumberLiteral``).
    static var exponentCap: Int { JSONNumberLiteral.exponentCap }

    /// Validates a JSON number literal (as kept by ``JSONParser``).
    public init(literal: String) throws(Problem) {
        guard literal.utf8.count <= Self.maximumLength else { throw .tooLong }
        guard let number = JSONNumberLiteral(literal) else { throw .notANumber }
        guard !number.negative else { throw .negative }
        if number.fractionDigits > Self.maximumFractionDigits { throw .tooManyDecimals(number.fractionDigits) }
        if number.integerDigits > Self.maximumIntegerDigits { throw .tooLarge }
        // At most 12 + 4 significant digits: the significand fits a UInt64.
        var significand: UInt64 = 0
        for digit in number.digits { significand = significand * 10 + UInt64(digit - UInt8(ascii: "0")) }
        text = literal
        decimal = number.isZero ? 0 : Decimal(sign: .plus, exponent: number.exponent, significand: Decimal(significand))
    }

    public var description: String { text }
}
