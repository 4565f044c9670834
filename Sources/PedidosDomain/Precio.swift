import Foundation

/// A price exactly as the client wrote it (e.g. `759.000`), validated as a finite JSON number ≥ 0.
/// The text is what is stored, published and answered, so no digit is ever lost; `decimal` is for
/// arithmetic and comparisons.
public struct Precio: Sendable, Hashable, CustomStringConvertible {
    /// The JSON number literal as received.
    public let text: String
    /// Its exact decimal value.
    public let decimal: Decimal

    /// Largest accepted price: a bound against absurd values, far above any real order.
    public static let maximum = Decimal(string: "1000000000000", locale: Locale(identifier: "en_US_POSIX"))!
    /// Longest accepted literal.
    public static let maximumLength = 40

    /// Why a number is not an acceptable price (Spanish, shown to clients).
    public enum Problem: Error, Sendable, Equatable {
        case negative, tooLarge, tooLong, notANumber
        public var message: String {
            switch self {
            case .negative: return "debe ser mayor o igual que 0"
            case .tooLarge: return "debe ser menor que 1000000000000"
            case .tooLong: return "tiene demasiados dígitos (máximo \(Precio.maximumLength) caracteres)"
            case .notANumber: return "debe ser un número JSON finito"
            }
        }
    }

    /// Validates a JSON number literal (as kept by ``JSONParser``).
    public init(literal: String) throws(Problem) {
        guard literal.count <= Self.maximumLength else { throw .tooLong }
        guard !literal.hasPrefix("-") else { throw .negative }
        guard let value = Decimal(string: literal, locale: Locale(identifier: "en_US_POSIX")), value.isFinite else {
            throw .notANumber
        }
        // Decimal(string:) stops at the first character it cannot read; make sure it read everything.
        guard literal.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+".contains($0)) }) else { throw .notANumber }
        guard value < Self.maximum else { throw .tooLarge }
        text = literal
        decimal = value
    }

    public var description: String { text }
}
