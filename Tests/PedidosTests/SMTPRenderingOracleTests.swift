import Foundation
@testable import PedidosSMTP
import Testing

/// The renderer writes every mail's bytes directly (headers, encoded words, base64 body); these tests hold it to
/// the plain string-joining way it was written before, on generated messages: the same bytes, or the same error.
@Suite("SMTP message rendering against its reference")
struct SMTPRenderingOracleTests {
    /// The message as the renderer produced it when it joined header strings (kept here as the oracle).
    private func referenceBytes(_ message: EmailMessage) -> [UInt8] {
        let headers = [
            "Date: \(RFC5322Reference.string(from: message.date))",
            SMTPMessageRenderer.mailboxHeader("From", message.from),
            SMTPMessageRenderer.mailboxHeader("To", message.to),
            referenceSubjectHeader(message.subject),
            "Message-ID: <\(message.messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
        ]
        let canonical = message.body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        let base64 = Data(canonical.utf8).base64EncodedString()
        let lines = stride(from: 0, to: base64.count, by: 76).map { start in
            String(base64.dropFirst(start).prefix(76))
        }
        return Array((headers.joined(separator: "\r\n") + "\r\n\r\n" + lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    private func referenceSubjectHeader(_ subject: String) -> String {
        let plain = subject.unicodeScalars.allSatisfy { ($0.value >= 0x20 && $0.value < 0x7F) || $0 == "\t" }
            && !subject.contains("=?") && !subject.contains("\t") && subject.first != " " && subject.last != " "
            && "Subject: ".count + subject.count <= 76
        if plain { return "Subject: " + subject }
        return "Subject: " + referenceEncodedWords(subject, firstLinePrefixLength: "Subject: ".count).joined(separator: "\r\n ")
    }

    /// RFC 2047 words cut by scalars, as ``MIMEEncoding`` did before it walked the bytes.
    private func referenceEncodedWords(_ text: String, firstLinePrefixLength: Int) -> [String] {
        func budget(_ wordLength: Int) -> Int { max(6, (wordLength - 12) / 4 * 3) }
        let first = budget(min(75, 76 - firstLinePrefixLength)), later = budget(75)
        var chunks: [[UInt8]] = []
        var current: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if current.count + bytes.count > (chunks.isEmpty ? first : later) {
                chunks.append(current)
                current = []
            }
            current += bytes
        }
        chunks.append(current)
        return chunks.map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }
    }

    private static let headerPieces = ["a", "Z", "0", " ", "  ", "é", "ñ", "€", "📦", "e\u{301}", "\"", "\\", "=", "?",
                                       "=?", ",", ".", "-", "\t", "(", "Núñez", "Pedidos", "#12"]
    private static let bodyPieces = ["Hola", " ", "\n", "\r\n", "\r", "está", "€", "📦", ".", "\n.", "=", "x"]

    @Test("Generated messages render to the reference bytes; a line break in the subject is refused")
    func generatedMessagesMatchTheReference() throws {
        var generator = SplitMix64(state: 20_261_205)
        var rendered = 0
        for round in 0..<600 {
            let name = generator.string(from: Self.headerPieces, maxLength: round % 3 == 0 ? 30 : 6)
            let message = EmailMessage(
                from: EmailAddress("pedidos@pedidos.test", displayName: round % 5 == 0 ? nil : "Pedidos"),
                to: EmailAddress("cliente\(round)@clientes.test", displayName: round % 2 == 0 ? nil : name),
                // Every tenth subject carries a line break: refused as an injection, before anything is rendered.
                subject: generator.string(from: Self.headerPieces, maxLength: round % 4 == 0 ? 40 : 8) + (round % 10 == 9 ? "\n" : ""),
                body: generator.string(from: Self.bodyPieces, maxLength: 120),
                date: Date(timeIntervalSince1970: TimeInterval(Int64(generator.next() % 4_000_000_000) - 500_000_000)),
                messageID: "\(round)@pedidos.test")
            if round % 10 == 9 {
                #expect(throws: SMTPError.headerInjection(field: .subject)) { try SMTPMessageRenderer.render(message) }
                continue
            }
            let bytes = try SMTPMessageRenderer.render(message).bytes
            #expect(bytes == referenceBytes(message), "round \(round): \(String(decoding: bytes, as: UTF8.self))")
            rendered += 1
        }
        #expect(rendered == 540)
    }

    @Test("Encoded words cut where the scalar-by-scalar reference cuts them, for every first-line prefix")
    func encodedWordsMatchTheReference() {
        var generator = SplitMix64(state: 7)
        for round in 0..<300 {
            let text = generator.string(from: Self.headerPieces, maxLength: 60)
            let prefix = round % 70
            #expect(MIMEEncoding.encodedWords(text, firstLinePrefixLength: prefix)
                    == referenceEncodedWords(text, firstLinePrefixLength: prefix), "text \(text.debugDescription), prefix \(prefix)")
        }
    }

    @Test("Exactly the line-break scalars and NUL count as header injection")
    func lineBreakScalars() {
        let breaks: [UInt32] = [0x00, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029]
        for value in 0..<0x2100 as Range<UInt32> where Unicode.Scalar(value) != nil {
            let subject = "a" + String(Unicode.Scalar(value)!) + "b"
            #expect(SMTPHeaderValue.containsLineBreakOrNUL(subject) == breaks.contains(value), "U+\(String(value, radix: 16))")
        }
        for value in breaks {
            #expect(SMTPHeaderValue.containsLineBreakOrNUL("Tu pedido está" + String(Unicode.Scalar(value)!)))
        }
    }

    @Test("Message-IDs are checked as before: one @ inside printable ASCII without spaces or angle brackets")
    func messageIDValidation() {
        let valid = ["1@p.test", "a.b-c@x", "x@y"]
        let invalid = ["@p.test", "1@", "1@@p", "1@p@q", "a b@c", "a<b@c", "a@c>", "ñ@p.test", "", "1", String(repeating: "a", count: 250) + "@b"]
        for id in valid {
            #expect(throws: Never.self) {
                try SMTPMessageRenderer.validate(EmailMessage(from: EmailAddress("a@b.test"), to: EmailAddress("c@d.test"),
                                                              subject: "", body: "", messageID: id))
            }
        }
        for id in invalid {
            #expect(throws: SMTPError.self, "\(id)") {
                try SMTPMessageRenderer.validate(EmailMessage(from: EmailAddress("a@b.test"), to: EmailAddress("c@d.test"),
                                                              subject: "", body: "", messageID: id))
            }
        }
    }
}
