import Foundation
@testable import PedidosSMTP
import Testing

/// Offline tests of message validation and rendering (RFC 5322, MIME, RFC 2047).
@Suite("SMTP message rendering")
struct SMTPRenderingTests {
    private func decodeEncodedWord(_ word: Substring) throws -> [UInt8] {
        #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
        let base64 = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
        return Array(try #require(Data(base64Encoded: String(base64))))
    }

    @Test("Encoded words are at most 75 characters and never split a UTF-8 sequence",
          arguments: ["a", "ñ", "€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€", String(repeating: "📦ñ", count: 40),
                      String(repeating: "Tu pedido #1 está en preparación — ñandú € ", count: 5), "e\u{301}" + String(repeating: "é", count: 60)])
    func encodedWordsAreValid(_ text: String) throws {
        let words = MIMEEncoding.encodedWords(text, firstLinePrefixLength: "Subject: ".count)
        var bytes: [UInt8] = []
        for (index, word) in words.enumerated() {
            #expect(word.count <= 75)
            #expect((index == 0 ? "Subject: ".count : 1) + word.count <= 76)
            let decoded = try decodeEncodedWord(Substring(word))
            #expect(String(validating: decoded, as: UTF8.self) != nil, "word \(index) is not valid UTF-8 on its own")
            bytes += decoded
        }
        #expect(String(decoding: bytes, as: UTF8.self) == text)
    }

    @Test("The body is base64 in lines of at most 76 characters with CRLF line breaks")
    func bodyIsBase64WithShortLines() throws {
        let body = String(repeating: "Tu pedido #1 está en preparación — ñandú €\n", count: 20) + "fin\r\nsolo CR\rúltima"
        let rendered = try SMTPMessageRenderer.render(EmailMessage(
            from: EmailAddress("pedidos@pedidos.test"), to: EmailAddress("ana@clientes.test"),
            subject: "Hola", body: body))
        let text = String(decoding: rendered.bytes, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        #expect(parts.count == 2)
        let lines = parts[1].components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.allSatisfy { $0.count <= 76 })
        let decoded = try #require(Data(base64Encoded: lines.joined()))
        let expected = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n")
        #expect(String(decoding: decoded, as: UTF8.self) == expected)
    }

    @Test("Headers are rendered in order, 7-bit, with short lines")
    func headersAreRendered() throws {
        let date = Date(timeIntervalSince1970: 1_764_219_547.9)
        let rendered = try SMTPMessageRenderer.render(EmailMessage(
            from: EmailAddress("pedidos@pedidos.test", displayName: "Pedidos"),
            to: EmailAddress("ana@clientes.test", displayName: "Ana Pérez"),
            subject: "Pedido enviado", body: "ok", date: date, messageID: "<42@pedidos.test>"))
        let text = String(decoding: rendered.bytes, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(head == [
            "Date: Thu, 27 Nov 2025 04:59:07 +0000",
            "From: Pedidos <pedidos@pedidos.test>",
            "To: Ana =?UTF-8?B?\(Data("Pérez".utf8).base64EncodedString())?= <ana@clientes.test>",
            "Subject: Pedido enviado",
            "Message-ID: <42@pedidos.test>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
        ])
        #expect(rendered.envelopeFrom == "<pedidos@pedidos.test>")
        #expect(rendered.envelopeRecipient == "<ana@clientes.test>")
        #expect(rendered.bytes.allSatisfy { $0 < 0x80 })
    }

    /// Decodes a header value the way RFC 2047 says: unfold, decode each word, and drop whitespace
    /// that separates two adjacent encoded words.
    private func decodeHeaderValue(_ value: String) throws -> String {
        let unfolded = value.replacingOccurrences(of: "\r\n ", with: " ")
        let pattern = /=\?UTF-8\?B\?([A-Za-z0-9+\/=]*)\?=/
        var result = ""
        var cursor = unfolded.startIndex
        var previousWasEncoded = false
        for match in unfolded.matches(of: pattern) {
            let between = unfolded[cursor..<match.range.lowerBound]
            if !(previousWasEncoded && between.allSatisfy { $0 == " " }) { result += between }
            let bytes = try #require(Data(base64Encoded: String(match.output.1)))
            result += try #require(String(validating: Array(bytes), as: UTF8.self))
            cursor = match.range.upperBound
            previousWasEncoded = true
        }
        return result + unfolded[cursor...]
    }

    @Test("Non-ASCII display names keep ASCII words readable, fold within 76 characters and decode exactly",
          arguments: ["José Núñez", "Pedidos Ñandú — Atención al cliente 📦 España",
                      String(repeating: "Ñandú€📦", count: 12) + " y compañía", "  José  Núñez ", "María =?raro?= López"])
    func nonASCIIDisplayNames(_ name: String) throws {
        let header = SMTPMessageRenderer.mailboxHeader("From", EmailAddress("p@p.test", displayName: name))
        for line in header.components(separatedBy: "\r\n") {
            #expect(line.count <= 76, "line too long: \(line)")
            #expect(!line.trimmingCharacters(in: .whitespaces).isEmpty, "empty folded line in \(header)")
        }
        #expect(header.hasPrefix("From: "))
        #expect(header.hasSuffix(" <p@p.test>"))
        let value = String(header.dropFirst("From: ".count).dropLast(" <p@p.test>".count))
        #expect(try decodeHeaderValue(value) == name)
        #expect(header.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test("ASCII display names with specials are quoted; plain ones are not")
    func asciiDisplayNames() {
        #expect(SMTPMessageRenderer.mailboxHeader("From", EmailAddress("a@b.test", displayName: "Pedidos, S.A."))
                == #"From: "Pedidos, S.A." <a@b.test>"#)
        #expect(SMTPMessageRenderer.mailboxHeader("From", EmailAddress("a@b.test", displayName: #"Say "hi""#))
                == #"From: "Say \"hi\"" <a@b.test>"#)
        #expect(SMTPMessageRenderer.mailboxHeader("To", EmailAddress("a@b.test")) == "To: <a@b.test>")
    }

    @Test("Subjects that look like encoded words or have edge spaces are encoded to survive unchanged")
    func trickyAsciiSubjectsAreEncoded() {
        #expect(SMTPMessageRenderer.subjectHeader("=?UTF-8?B?eA==?=").hasPrefix("Subject: =?UTF-8?B?"))
        #expect(SMTPMessageRenderer.subjectHeader(" leading").hasPrefix("Subject: =?UTF-8?B?"))
        #expect(SMTPMessageRenderer.subjectHeader(String(repeating: "x", count: 100)).hasPrefix("Subject: =?UTF-8?B?"))
        #expect(SMTPMessageRenderer.subjectHeader("Pedido #1 listo") == "Subject: Pedido #1 listo")
    }

    @Test("Dates use English names and UTC whatever the input")
    func rfc5322Dates() {
        #expect(RFC5322Date.string(from: Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(RFC5322Date.string(from: Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 +0000")
        // Before 1970, around leap days and centuries, and far ahead: the arithmetic against Foundation's calendar.
        for seconds in Array(stride(from: -5_000_000_000, to: 12_000_000_000, by: 7_777_777)) + [951_868_799, 4_107_542_400, -1] {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(RFC5322Date.string(from: date) == RFC5322Reference.string(from: date))
        }
    }

    @Test("Line breaks are canonicalised to CRLF")
    func canonicalLineBreaks() {
        #expect(MIMEEncoding.canonicalLineBreaks("a\nb\r\nc\rd\r\r\ne") == Array("a\r\nb\r\nc\r\nd\r\n\r\ne".utf8))
    }

    @Test("Parsing SMTP_FROM-style mailboxes")
    func parsingMailboxes() throws {
        #expect(try EmailAddress(parsing: "Pedidos <pedidos@pedidos.test>") == EmailAddress("pedidos@pedidos.test", displayName: "Pedidos"))
        #expect(try EmailAddress(parsing: #" "Pedidos, S.A." <p@p.test> "#) == EmailAddress("p@p.test", displayName: "Pedidos, S.A."))
        #expect(try EmailAddress(parsing: "p@p.test") == EmailAddress("p@p.test"))
        #expect(throws: SMTPError.self) { try EmailAddress(parsing: "Pedidos <p@p.test") }
    }

    @Test("Injection is reported even when another field is also malformed")
    func injectionWinsOverOtherProblems() {
        let message = EmailMessage(from: EmailAddress("not an address"), to: EmailAddress("a@b.test"),
                                   subject: "x\ny", body: "")
        #expect(throws: SMTPError.headerInjection(field: .subject)) { try SMTPMessageRenderer.validate(message) }
    }

    @Test("Generated Message-IDs use the sender's domain")
    func generatedMessageIDs() throws {
        let message = EmailMessage(from: EmailAddress("pedidos@pedidos.test"), to: EmailAddress("a@b.test"), subject: "", body: "")
        #expect(message.messageID.hasSuffix("@pedidos.test"))
        _ = try SMTPMessageRenderer.render(message)
    }

    @Test("Transient and permanent classification")
    func errorClassification() {
        #expect(SMTPError.rejected(smtpCode: 451, message: "").isTransient)
        #expect(SMTPError.rejected(smtpCode: 550, message: "").isPermanent)
        #expect(SMTPError.authenticationFailed(smtpCode: 454, message: "").isTransient)
        #expect(SMTPError.authenticationFailed(smtpCode: 535, message: "").isPermanent)
        #expect(SMTPError.timedOut("").isTransient)
        #expect(SMTPError.connectionFailed("").isTransient)
        #expect(SMTPError.headerInjection(field: .to).isPermanent)
        #expect(SMTPError.tlsFailed("").isPermanent)
    }
}
