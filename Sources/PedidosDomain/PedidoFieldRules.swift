import Foundation

/// The rules for the text fields of a new order. Each check returns the Spanish message shown to the
/// client, or `nil` when the value is acceptable.
public enum PedidoFieldRules {
    /// Longest `nombre`, in Unicode scalars (JSON Schema's `maxLength` unit), as sent.
    public static let maximumNombreLength = 200
    /// Longest `correo`, in bytes (RFC 5321's path limit minus the angle brackets).
    public static let maximumCorreoLength = 254
    /// Longest local part (before the `@`) of `correo` (RFC 5321).
    public static let maximumLocalPartLength = 64
    /// Longest label of the domain of `correo` (RFC 1035).
    public static let maximumDomainLabelLength = 63

    /// `nombre` without surrounding whitespace, or why it is not acceptable. Control characters are
    /// rejected anywhere in the raw value (even where trimming would remove them): a name with a line
    /// break is a sign of an injection attempt, not of a typo.
    public static func nombre(_ raw: String) -> Result<String, NombreProblem> {
        printableASCIINombre(raw) ?? anyNombre(raw)
    }

    /// ``nombre(_:)`` of any value, scalar by scalar.
    static func anyNombre(_ raw: String) -> Result<String, NombreProblem> {
        if let bad = raw.unicodeScalars.first(where: isForbiddenInText) { return .failure(.controlCharacter(bad)) }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .failure(.empty) }
        // Counted as sent, in Unicode scalars, so that the limit is exactly the OpenAPI document's maxLength.
        let length = raw.unicodeScalars.count
        if length > maximumNombreLength { return .failure(.tooLong(length)) }
        return .success(trimmed)
    }

    /// Why a `nombre` is not acceptable.
    public enum NombreProblem: Error, Sendable, Equatable {
        case empty, tooLong(Int), controlCharacter(Unicode.Scalar)

        public var message: String {
            switch self {
            case .empty: return "no puede estar vacío"
            case .tooLong(let count):
                return "tiene \(count) caracteres; el máximo es \(PedidoFieldRules.maximumNombreLength)"
            case .controlCharacter(let scalar):
                return "contiene un carácter de control (\(PedidoFieldRules.codePoint(scalar))); no se permiten saltos de línea, tabuladores ni caracteres de control"
            }
        }
    }

    /// Why `correo` is not a usable address, or `nil`. Accepts `local@dominio.tld` in printable ASCII:
    /// no spaces, control characters, angle brackets, quotes or list separators; a domain of at least two
    /// labels of letters, digits and hyphens. That is stricter than RFC 5322 on purpose, and stricter than
    /// the SMTP client's own address check, so every accepted order can be mailed (a test checks both agree).
    public static func correoProblem(_ correo: String) -> String? {
        // Nearly every address is printable ASCII and valid: that is decided in one pass over its bytes.
        isValidPrintableASCIIAddress(correo) ? nil : anyCorreoProblem(correo)
    }

    /// ``correoProblem(_:)`` of any value, scalar by scalar, with the problem worded.
    static func anyCorreoProblem(_ correo: String) -> String? {
        if correo.isEmpty { return "no puede estar vacío" }
        if let bad = correo.unicodeScalars.first(where: isForbiddenInText) {
            return "contiene un carácter de control (\(codePoint(bad))); no se permiten saltos de línea, tabuladores ni caracteres de control"
        }
        if correo.unicodeScalars.contains(where: { $0 == " " || $0.properties.isWhitespace }) {
            return "no puede contener espacios"
        }
        if correo.utf8.count > maximumCorreoLength {
            return "tiene \(correo.utf8.count) caracteres; el máximo es \(maximumCorreoLength)"
        }
        if let bad = correo.unicodeScalars.first(where: { !$0.isASCII }) {
            return "contiene el carácter '\(bad)'; solo se admiten direcciones en ASCII"
        }
        if let bad = correo.unicodeScalars.first(where: { $0.isASCII && isForbiddenInAddress(UInt8($0.value)) }) {
            return "contiene el carácter no permitido '\(bad)'"
        }
        let parts = correo.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return parts.count < 2
                ? "no es una dirección de correo válida: falta '@' (ejemplo: nombre@dominio.com)"
                : "no es una dirección de correo válida: tiene más de un '@'"
        }
        let (local, domain) = (parts[0], parts[1])
        if local.isEmpty { return "no es una dirección de correo válida: falta la parte antes de '@'" }
        if local.utf8.count > maximumLocalPartLength {
            return "la parte antes de '@' tiene \(local.utf8.count) caracteres; el máximo es \(maximumLocalPartLength)"
        }
        if local.hasPrefix(".") || local.hasSuffix(".") || local.contains("..") {
            return "no es una dirección de correo válida: puntos mal ubicados antes de '@'"
        }
        if domain.isEmpty { return "no es una dirección de correo válida: falta el dominio después de '@'" }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else {
            return "no es una dirección de correo válida: el dominio '\(domain)' no tiene punto (ejemplo: dominio.com)"
        }
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= maximumDomainLabelLength,
                  label.utf8.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }),
                  !label.hasPrefix("-"), !label.hasSuffix("-")
            else { return "no es una dirección de correo válida: el dominio '\(domain)' está mal formado" }
        }
        if labels.last!.utf8.allSatisfy(isDigit) {
            return "no es una dirección de correo válida: el dominio '\(domain)' no termina en un nombre"
        }
        return nil
    }

    /// Control characters (C0, DEL, C1) and the Unicode line and paragraph separators.
    static func isForbiddenInText(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// The ASCII characters `correo` may not contain: angle brackets, quotes, backslash, list separators.
    static func isForbiddenInAddress(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: ","),
             UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["),
             UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }

    static func isLetterOrDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || isDigit(byte)
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
