/// Recognises a `Content-Type` that declares JSON: `application/json` or any `application/*+json`
/// (RFC 6839), with optional parameters. A `charset` other than UTF-8 is refused (RFC 8259 requires UTF-8).
public enum JSONMediaType {
    /// Whether `contentType` (the header's value, `nil` when absent) declares a JSON body.
    public static func accepts(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        var parts = contentType.split(separator: ";", omittingEmptySubsequences: false).makeIterator()
        guard let essence = parts.next() else { return false }
        let mediaType = essence.trimmingSpaces().lowercased()
        let json = mediaType == "application/json"
            || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")
                && mediaType.utf8.count > "application/+json".utf8.count && !mediaType.contains(" "))
        guard json else { return false }
        while let parameter = parts.next() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == "charset" else { continue }
            var charset = pair[1].trimmingSpaces().lowercased()
            if charset.count >= 2, charset.hasPrefix("\""), charset.hasSuffix("\"") { charset = String(charset.dropFirst().dropLast()) }
            guard charset == "utf-8" || charset == "utf8" else { return false }
        }
        return true
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
