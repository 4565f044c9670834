import Foundation

/// Encoders for the parts of a message that may not travel as raw UTF-8: RFC 2047 encoded words
/// for headers and base64 (RFC 2045) for the body.
enum MIMEEncoding {
    /// Longest line the renderer aims for, excluding CRLF (RFC 2045 and RFC 2047 limit).
    static let maxLineLength = 76
    /// Longest encoded word allowed by RFC 2047.
    static let maxEncodedWordLength = 75
    private static let wordPrefix = "=?UTF-8?B?"
    private static let wordSuffix = "?="

    /// Encodes `text` as `=?UTF-8?B?...?=` words, each at most 75 characters, never splitting a UTF-8
    /// sequence. The first word is also kept short enough to fit after `firstLinePrefixLength`
    /// characters (e.g. `Subject: `) on a 76-character line; join the words with `"\r\n "`.
    static func encodedWords(_ text: String, firstLinePrefixLength: Int = 0) -> [String] {
        let overhead = wordPrefix.count + wordSuffix.count
        func byteBudget(wordLength: Int) -> Int {
            // Base64 turns 3 bytes into 4 characters; 6 bytes fit any single UTF-8 scalar (max 4).
            max(6, (wordLength - overhead) / 4 * 3)
        }
        let firstBudget = byteBudget(wordLength: min(maxEncodedWordLength, maxLineLength - firstLinePrefixLength))
        let laterBudget = byteBudget(wordLength: min(maxEncodedWordLength, maxLineLength - 1))

        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            let budget = chunks.isEmpty ? firstBudget : laterBudget
            if current.count + bytes.count > budget {
                chunks.append(current)
                current = []
            }
            current += bytes
        }
        chunks.append(current)
        return chunks.map { wordPrefix + Data($0).base64EncodedString() + wordSuffix }
    }

    /// Base64 of `bytes` in lines of at most 76 characters separated by CRLF (no trailing CRLF).
    static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString()
        var lines: [Substring] = []
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: maxLineLength, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[start..<end])
            start = end
        }
        return lines.joined(separator: "\r\n")
    }

    /// The text with every line break (CRLF, lone CR or lone LF) turned into CRLF, the canonical
    /// form of `text/plain` before transfer encoding.
    static func canonicalLineBreaks(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r":
                result.append(contentsOf: "\r\n".unicodeScalars)
                previousWasCR = true
                continue
            case "\n":
                if !previousWasCR { result.append(contentsOf: "\r\n".unicodeScalars) }
            default:
                result.append(scalar)
            }
            previousWasCR = false
        }
        return String(result)
    }

    /// Whether `text` can appear in a header as is: printable ASCII and tab only.
    static func isPrintableASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { ($0.value >= 0x20 && $0.value < 0x7F) || $0 == "\t" }
    }
}
