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
        var bytes: [UInt8] = []
        appendEncodedWords(text, firstLinePrefixLength: firstLinePrefixLength, to: &bytes)
        // A word holds no space, so the folds are where the words part.
        return bytes.split(separator: UInt8(ascii: " ")).map { word in
            String(decoding: word.last == 0x0A ? word.dropLast(2) : word[...], as: UTF8.self)
        }
    }

    /// Appends the words of ``encodedWords(_:firstLinePrefixLength:)`` joined with `"\r\n "` to `bytes`.
    static func appendEncodedWords(_ text: String, firstLinePrefixLength: Int, to bytes: inout [UInt8]) {
        let overhead = wordPrefix.utf8.count + wordSuffix.utf8.count
        func byteBudget(wordLength: Int) -> Int {
            // Base64 turns 3 bytes into 4 characters; 6 bytes fit any single UTF-8 scalar (max 4).
            max(6, (wordLength - overhead) / 4 * 3)
        }
        var budget = byteBudget(wordLength: min(maxEncodedWordLength, maxLineLength - firstLinePrefixLength))
        let laterBudget = byteBudget(wordLength: min(maxEncodedWordLength, maxLineLength - 1))

        // Words end before a scalar that would not fit: walk the UTF-8 by its lead bytes.
        func encode(_ source: UnsafeBufferPointer<UInt8>) {
            var start = 0, index = 0
            func emitWord(upTo end: Int) {
                if start > 0 { bytes.append(contentsOf: [0x0D, 0x0A, UInt8(ascii: " ")]) }
                bytes.append(contentsOf: wordPrefix.utf8)
                base64(of: UnsafeBufferPointer(rebasing: source[start..<end]), into: &bytes)
                bytes.append(contentsOf: wordSuffix.utf8)
            }
            while index < source.count {
                let length = scalarLength(leadByte: source[index])
                if index - start + length > budget {
                    emitWord(upTo: index)
                    start = index
                    budget = laterBudget
                }
                index = min(source.count, index + length)
            }
            emitWord(upTo: source.count)
        }
        if text.utf8.withContiguousStorageIfAvailable(encode) == nil { Array(text.utf8).withUnsafeBufferPointer(encode) }
    }

    /// Bytes of the UTF-8 sequence that starts with `byte` (Swift strings hold valid UTF-8).
    private static func scalarLength(leadByte byte: UInt8) -> Int {
        switch byte {
        case ..<0x80: 1
        case 0xF0...: 4
        case 0xE0...: 3
        default: 2
        }
    }

    /// Base64 of `bytes` in lines of at most 76 characters separated by CRLF (no trailing CRLF).
    static func base64Lines(_ bytes: [UInt8]) -> [UInt8] {
        var lines: [UInt8] = []
        appendBase64Lines(of: bytes, to: &lines)
        return lines
    }

    /// Appends ``base64Lines(_:)`` of `bytes` to `output`.
    static func appendBase64Lines(of bytes: [UInt8], to output: inout [UInt8]) {
        let bytesPerLine = maxLineLength / 4 * 3  // 57 bytes make a full 76-character line
        output.reserveCapacity(output.count + (bytes.count + 2) / 3 * 4 + bytes.count / bytesPerLine * 2 + 2)
        bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                if start > 0 { output.append(contentsOf: [0x0D, 0x0A]) }
                let end = min(start + bytesPerLine, bytes.count)
                base64(of: UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &output)
                start = end
            }
        }
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends the base64 of `bytes` (RFC 4648, with padding) to `output`.
    private static func base64(of bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        let alphabet = base64Alphabet
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(alphabet[Int(group >> 6 & 63)])
            output.append(alphabet[Int(group & 63)])
            index += 3
        }
        let rest = bytes.count - index
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
        func canonicalize(_ source: UnsafeBufferPointer<UInt8>) -> [UInt8] {
            // At most two bytes out for each byte in (a lone LF or CR becomes CRLF).
            [UInt8](unsafeUninitializedCapacity: source.count * 2) { output, count in
                var previousWasCR = false
                for byte in source {
                    switch byte {
                    case 0x0D:
                        output[count] = 0x0D
                        output[count + 1] = 0x0A
                        count += 2
                        previousWasCR = true
                        continue
                    case 0x0A:
                        if !previousWasCR {
                            output[count] = 0x0D
                            output[count + 1] = 0x0A
                            count += 2
                        }
                    default:
                        output[count] = byte
                        count += 1
                    }
                    previousWasCR = false
                }
            }
        }
        return text.utf8.withContiguousStorageIfAvailable(canonicalize) ?? Array(text.utf8).withUnsafeBufferPointer(canonicalize)
    }

    /// Whether `text` can appear in a header as is: printable ASCII and tab only.
    static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }
    }
}
