/// A mailbox: an address such as `pedidos@pedidos.test` and an optional display name such as
/// `Pedidos` (rendered as `Pedidos <pedidos@pedidos.test>`; non-ASCII names are RFC 2047 encoded).
///
/// Creating a value never fails; `SMTPClient.send(_:)` validates it before anything is sent and throws
/// `SMTPError.headerInjection` or `SMTPError.invalidAddress`.
public struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The bare address, `local@domain`, without angle brackets.
    public var address: String
    /// The human-readable name, or nil for a bare address.
    public var displayName: String?

    /// Creates a mailbox from a bare address and an optional display name.
    public init(_ address: String, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Parses `Name <local@domain>`, `"Name" <local@domain>` or a bare `local@domain`, as found in
    /// `SMTP_FROM`. Only the shape is parsed here; the result is validated when it is used.
    /// - Throws: `SMTPError.invalidAddress` when angle brackets are unbalanced.
    public init(parsing text: String, field: SMTPError.HeaderField = .from) throws(SMTPError) {
        let trimmed = SMTPHeaderValue.trimmingSpacesAndTabs(text)
        guard let open = trimmed.lastIndex(of: "<") else {
            guard !trimmed.contains(">") else {
                throw .invalidAddress(field: field, reason: "unbalanced angle brackets in \(Self.quoted(text))")
            }
            self.init(trimmed)
            return
        }
        guard trimmed.hasSuffix(">"), trimmed[open...].dropFirst().dropLast().allSatisfy({ $0 != "<" && $0 != ">" })
        else {
            throw .invalidAddress(field: field, reason: "unbalanced angle brackets in \(Self.quoted(text))")
        }
        let address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        var name = SMTPHeaderValue.trimmingSpacesAndTabs(String(trimmed[..<open]))
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
            name = Self.unquote(String(name.dropFirst().dropLast()))
        }
        self.init(SMTPHeaderValue.trimmingSpacesAndTabs(address), displayName: name)
    }

    /// `Name <address>` or the bare address (not encoded: for logs and messages, not for headers).
    public var description: String {
        guard let displayName else { return address }
        return "\(displayName) <\(address)>"
    }

    /// Checks the address and the display name; `field` names the header for errors.
    /// - Throws: `SMTPError.headerInjection` for CR, LF or NUL, `SMTPError.invalidAddress` or
    ///   `SMTPError.invalidHeader` for other problems.
    func validate(as field: SMTPError.HeaderField, displayNameField: SMTPError.HeaderField) throws(SMTPError) {
        if let displayName {
            if SMTPHeaderValue.containsLineBreakOrNUL(displayName) { throw .headerInjection(field: displayNameField) }
            // Control characters are C0, DEL and C1 (U+0080–U+009F): their general category is `Cc`.
            if let bad = displayName.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || (0x7F...0x9F).contains($0.value) }) {
                throw .invalidHeader(field: displayNameField, reason: "control character U+\(String(bad.value, radix: 16, uppercase: true))")
            }
        }
        if SMTPHeaderValue.containsLineBreakOrNUL(address) { throw .headerInjection(field: field) }
        if let reason = Self.problem(with: address) { throw .invalidAddress(field: field, reason: reason) }
    }

    /// A minimal syntax check: one `@`, non-empty local part and domain, printable ASCII without
    /// spaces, angle brackets, quotes or list separators. Returns why the address is unusable.
    static func problem(with address: String) -> String? {
        if address.isEmpty { return "the address is empty" }
        if address.utf8.count > 254 { return "the address is longer than 254 characters" }
        for byte in address.utf8 {
            if byte >= 0x80 { return "non-ASCII characters are not supported in \(quoted(address))" }
            if byte < 0x21 || byte == 0x7F { return "spaces or control characters in \(quoted(address))" }
            switch byte {
            case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: ","),
                 UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"):
                return "character '\(Unicode.Scalar(byte))' is not allowed in \(quoted(address))"
            default:
                continue
            }
        }
        let bytes = address.utf8
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), bytes[bytes.index(after: at)...].firstIndex(of: UInt8(ascii: "@")) == nil
        else { return "expected exactly one '@' in \(quoted(address))" }
        let (local, domain) = (bytes[..<at], bytes[bytes.index(after: at)...])
        if local.isEmpty { return "the local part before '@' is empty in \(quoted(address))" }
        let dot = UInt8(ascii: ".")
        if domain.isEmpty || domain.first == dot || domain.last == dot || zip(domain, domain.dropFirst()).contains(where: { $0 == dot && $1 == dot }) {
            return "the domain after '@' is malformed in \(quoted(address))"
        }
        return nil
    }

    private static func unquote(_ text: String) -> String {
        var result = ""
        var escaped = false
        for character in text {
            if escaped { result.append(character); escaped = false }
            else if character == "\\" { escaped = true }
            else { result.append(character) }
        }
        return result
    }

    /// Quotes a value for an error message, escaping control characters so the message stays one line.
    static func quoted(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
    }
}
