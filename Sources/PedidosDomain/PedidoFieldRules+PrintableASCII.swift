/// The common case of each rule, decided in a pass or two over the value's UTF-8 bytes: a value of printable
/// ASCII (bytes 0x20–0x7E). The general checks in ``PedidoFieldRules`` walk Unicode scalars and look up their
/// properties, several passes per field; they still decide every other value and word every problem.
/// `PedidoFieldRulesTests` checks that both give the same answer.
extension PedidoFieldRules {
    /// ``nombre(_:)`` of a value made only of printable ASCII; `nil` for any other value. There the only
    /// whitespace is the space, no control character can occur, and scalars are bytes.
    static func printableASCIINombre(_ raw: String) -> Result<String, NombreProblem>? {
        let bytes = raw.utf8
        guard bytes.allSatisfy(isPrintableASCII) else { return nil }
        guard let first = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }),
              let last = bytes.lastIndex(where: { $0 != UInt8(ascii: " ") }) else { return .failure(.empty) }
        if bytes.count > maximumNombreLength { return .failure(.tooLong(bytes.count)) }
        if first == bytes.startIndex && bytes.index(after: last) == bytes.endIndex { return .success(raw) }
        return .success(String(raw[first...last]))
    }

    /// True when ``correoProblem(_:)`` has nothing to say of `correo` and it is printable ASCII: `false`
    /// means "not decided here", never "invalid".
    static func isValidPrintableASCIIAddress(_ correo: String) -> Bool {
        let bytes = correo.utf8
        guard bytes.count <= maximumCorreoLength else { return false }
        var at: String.UTF8View.Index?
        for index in bytes.indices {
            let byte = bytes[index]
            guard isPrintableASCII(byte), byte != UInt8(ascii: " "), !isForbiddenInAddress(byte) else { return false }
            if byte == UInt8(ascii: "@") {
                guard at == nil else { return false }
                at = index
            }
        }
        guard let at else { return false }
        return isValidLocalPart(bytes[..<at]) && isValidDomain(bytes[bytes.index(after: at)...])
    }

    private static func isValidLocalPart(_ local: Substring.UTF8View) -> Bool {
        guard let first = local.first, let last = local.last, local.count <= maximumLocalPartLength,
              first != UInt8(ascii: "."), last != UInt8(ascii: ".") else { return false }
        return !zip(local, local.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
    }

    /// At least two labels of letters, digits and inner hyphens, each 1–63 bytes; the last not all digits.
    private static func isValidDomain(_ domain: Substring.UTF8View) -> Bool {
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard let first = label.first, let last = label.last, label.count <= maximumDomainLabelLength,
                  first != UInt8(ascii: "-"), last != UInt8(ascii: "-"),
                  label.allSatisfy({ isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return !labels[labels.count - 1].allSatisfy(isDigit)
    }

    private static func isPrintableASCII(_ byte: UInt8) -> Bool { byte >= 0x20 && byte <= 0x7E }
}
