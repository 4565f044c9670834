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
            let bytes = scalar.utf8
            let budget = chunks.isEmpty ? firstBudget : laterBudget
            if current.count + bytes.count > budget {
                chunks.append(current)
                current = []
            }
            current.append(contentsOf: bytes)
        }
        chunks.append(current)
        return chunks.map { wordPrefix + String(decoding: base64(of: $0[...]), as: UTF8.self) + wordSuffix }
    }

    /// Base64 of `bytes` in lines of at most 76 characters separated by CRLF (no trailing CRLF).
    static func base64Lines(_ bytes: [UInt8]) -> [UInt8] {
        let bytesPerLine = maxLineLength / 4 * 3  // 57 bytes make a full 76-character line
        var lines: [UInt8] = []
        lines.reserveCapacity((bytes.count + 2) / 3 * 4 + bytes.count / bytesPerLine * 2 + 2)
        var start = bytes.startIndex
        while start < bytes.endIndex {
            if start > bytes.startIndex { lines.append(contentsOf: [0x0D, 0x0A]) }
            let end = min(start + bytesPerLine, bytes.endIndex)
            base64(of: bytes[start..<end], into: &lines)
            start = end
        }
        return lines
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static func base64(of bytes: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        base64(of: bytes, into: &output)
        return output
    }

    /// Appends the base64 of `bytes` (RFC 4648, with padding) to `output`.
    private static func base64(of bytes: ArraySlice<UInt8>, into output: inout [UInt8]) {
        let alphabet = base64Alphabet
        var index = bytes.startIndex
        while index + 3 <= bytes.endIndex {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(alphabet[Int(group >> 6 & 63)])
            output.append(alphabet[Int(group & 63)])
            index += 3
        }
        let rest = bytes.endIndex - index
        guard rest > 0 else { return }
        let group = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
        output.append(alphabet[Int(group >> 18 & 63)])
        output.append(alphabet[Int(group >> 12 & 63)])
        output.append(rest == 2 ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
        output.append(UInt8(ascii: "="))
    }

    /// The text's UTF-8 with every line break (CRLF, lone CR or lone LF) turned into CRLF, the canonical
    /// form of `text/plain` before transfer encoding.
    static func canonicalLineBreaks(_ text: String) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count + 16)
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case 0x0D:
                result.append(contentsOf: [0x0D, 0x0A])
                previousWasCR = true
                continue
            case 0x0A:
                if !previousWasCR { result.append(contentsOf: [0x0D, 0x0A]) }
            default:
                result.append(byte)
            }
            previousWasCR = false
        }
        return result
    }

    /// Whether `text` can appear in a header as is: printable ASCII and tab only.
    static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }
    }
}
