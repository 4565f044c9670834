/// Checks shared by every header value the layer writes.
enum SMTPHeaderValue {
    /// Scalars that end a line somewhere: CR, LF and NUL (SMTP and RFC 5322), plus the Unicode line
    /// terminators (NEL, LS, PS, VT, FF) that some mail software also splits on.
    static let lineBreaks: Set<Unicode.Scalar> = ["\r", "\n", "\0", "\u{0B}", "\u{0C}", "\u{85}", "\u{2028}", "\u{2029}"]

    /// Whether `value` contains a line break or NUL, i.e. could smuggle extra headers or commands.
    static func containsLineBreakOrNUL(_ value: String) -> Bool {
        // Every such scalar is below U+0020 or one of three outside ASCII: scan the bytes, and the scalars only if needed.
        value.utf8.contains { $0 < 0x20 || $0 >= 0x80 } && value.unicodeScalars.contains { lineBreaks.contains($0) }
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
