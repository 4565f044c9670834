import NIOCore

/// One SMTP reply: its three-digit code and its text (the lines of a multi-line reply joined by `\n`; empty
/// for a positive one-line reply, whose text nobody reads).
struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    var code: Int
    var text: String

    /// `2xx` and `3xx` replies; `4xx` asks to try again later, `5xx` refuses for good.
    var isPositive: Bool { (200..<400).contains(code) }

    /// The reply as the server sent it, on one line (for errors and logs).
    var description: String { "\(code) \(text.split(separator: "\n").joined(separator: " / "))" }

    /// Whether a multi-line `EHLO` reply names `keyword` as an extension (case-insensitive, RFC 5321 §4.1.1.1).
    func advertises(_ keyword: String) -> Bool {
        text.split(separator: "\n").contains { line in
            line.split(separator: " ", maxSplits: 1).first.map { $0.uppercased() == keyword } ?? false
        }
    }
}

/// Decodes the server's byte stream into ``SMTPReply`` values (RFC 5321 §4.2): lines `ddd-text` continue a
/// reply, `ddd text` (or a bare `ddd`) end it. A malformed line or one longer than ``maxLineLength`` is a
/// protocol error that closes the connection.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// RFC 5321 allows 512 octets per reply line; servers' greetings and EHLO lines are far shorter.
    static let maxLineLength = 4096

    private var lines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maxLineLength { throw SMTPProtocolError("a reply line longer than \(Self.maxLineLength) bytes") }
            return .needMoreData
        }
        var end = newline
        if end > view.startIndex, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let start = view.startIndex
        let digits = end - start >= 3 ? view[start..<start + 3] : view[start..<start]
        guard digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw SMTPProtocolError("not an SMTP reply: \(String(decoding: view[start..<min(end, start + 80)], as: UTF8.self))")
        }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let continues = end - start > 3 && view[start + 3] == UInt8(ascii: "-")
        // The text of a positive one-line reply (`250 2.0.0 Ok`, `354 …`) is never read: not decoded.
        let needsText = continues || !lines.isEmpty || !(200..<400).contains(code)
        let text = needsText && end - start > 4 ? String(decoding: view[(start + 4)..<end], as: UTF8.self) : ""
        buffer.moveReaderIndex(forwardBy: newline + 1 - start)
        guard !continues else {
            lines.append(text)
            return .continue
        }
        let reply: SMTPReply
        if lines.isEmpty {
            reply = SMTPReply(code: code, text: text)
        } else {
            lines.append(text)
            reply = SMTPReply(code: code, text: lines.joined(separator: "\n"))
            lines.removeAll(keepingCapacity: true)
        }
        context.fireChannelRead(wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// The server broke the protocol (a line that is no SMTP reply, or far too long).
struct SMTPProtocolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
