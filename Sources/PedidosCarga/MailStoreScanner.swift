import Foundation
import PedidosDomain

/// Counts the notification mails that reached the development SMTP server, reading the JSON-lines
/// store that `scripts/smtp_server.py` appends to (one object per line: `rcpt_tos`, `headers`, …, `raw`).
///
/// Only what was appended after the scanner was created is read, incrementally. A mail is attributed to
/// an order by its Message-ID, `<pedido-<id>-<estado>@…>` (the first one on the line is the `headers`
/// member's), and its first recipient is kept to check it against the order's `correo`.
final class MailStoreScanner {
    /// One received mail.
    struct Mail {
        let orderID: Int64
        let estado: Estado
        let recipient: String
    }

    let path: String
    private var offset: UInt64
    private var partial: [UInt8] = []

    init(path: String) {
        self.path = path
        offset = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
    }

    /// Mails appended since the last call (a line still being written waits for the next call).
    func scan() -> [Mail] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: offset)) != nil, let data = try? handle.readToEnd(), !data.isEmpty else { return [] }
        offset += UInt64(data.count)
        var bytes = partial
        bytes.append(contentsOf: data)
        var mails: [Mail] = []
        var lineStart = 0
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            if let mail = Self.mail(in: bytes[lineStart..<index]) { mails.append(mail) }
            lineStart = index + 1
        }
        partial = Array(bytes[lineStart...])
        return mails
    }

    static func mail(in line: ArraySlice<UInt8>) -> Mail? {
        guard let marker = firstRange(of: Array("<pedido-".utf8), in: line) else { return nil }
        var index = marker.upperBound
        var id: Int64 = 0
        while index < line.endIndex, line[index] >= 48, line[index] <= 57 { id = id * 10 + Int64(line[index] - 48); index += 1 }
        guard index < line.endIndex, line[index] == UInt8(ascii: "-") else { return nil }
        index += 1
        let stateStart = index
        while index < line.endIndex, line[index] != UInt8(ascii: "@") { index += 1 }
        guard let estado = Estado(rawValue: String(decoding: line[stateStart..<index], as: UTF8.self)) else { return nil }
        return Mail(orderID: id, estado: estado, recipient: recipient(in: line) ?? "")
    }

    /// The first address of `"rcpt_tos": ["…"`.
    static func recipient(in line: ArraySlice<UInt8>) -> String? {
        guard let key = firstRange(of: Array("\"rcpt_tos\": [\"".utf8), in: line) else { return nil }
        var end = key.upperBound
        while end < line.endIndex, line[end] != UInt8(ascii: "\"") { end += 1 }
        return String(decoding: line[key.upperBound..<end], as: UTF8.self)
    }

    static func firstRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Range<Int>? {
        guard haystack.count >= needle.count else { return nil }
        var start = haystack.startIndex
        while start <= haystack.endIndex - needle.count {
            if haystack[start] == needle[0], haystack[start..<start + needle.count].elementsEqual(needle) {
                return start..<start + needle.count
            }
            start += 1
        }
        return nil
    }
}
