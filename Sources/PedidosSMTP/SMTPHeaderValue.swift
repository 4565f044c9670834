/// Checks shared by every header value the layer writes.
enum SMTPHeaderValue {
    /// Scalars that end a line somewhere: CR, LF and NUL (SMTP and RFC 5322), plus the Unicode line
    /// terminators (NEL, LS, PS, VT, FF) that some mail software also splits on.
    static func isLineBreakOrNUL(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// Whether `value` contains a line break or NUL, i.e. could smuggle extra headers or commands.
    static func containsLineBreakOrNUL(_ value: String) -> Bool {
        // Every such scalar is below U+0020 or one of three outside ASCII: scan the bytes, and the scalars only if needed.
        value.utf8.contains { $0 < 0x20 || $0 >= 0x80 } && value.unicodeScalars.contains(where: isLineBreakOrNUL)
    }

    /// Trims spaces and tabs only: CR and LF must survive so that validation can reject them.
    static func trimmingSpacesAndTabs(_ text: String) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isBlank($0) }), let last = text.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(text[first...last])
    }
}
