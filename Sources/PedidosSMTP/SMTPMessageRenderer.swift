import Foundation

/// A validated message turned into what libcurl sends: the SMTP envelope and the RFC 5322 bytes.
struct SMTPRenderedMessage: Sendable, Equatable {
    /// The `MAIL FROM` address, in angle brackets.
    var envelopeFrom: String
    /// The `RCPT TO` address, in angle brackets.
    var envelopeRecipient: String
    /// The full message: CRLF-terminated headers, an empty line and the base64 body.
    var bytes: [UInt8]
    /// The Message-ID, for logs.
    var messageID: String
}

/// Validates an `EmailMessage` and renders it (RFC 5322 + MIME, UTF-8 text, base64 body, RFC 2047
/// headers). Nothing here touches the network, so every validation error is raised before sending.
enum SMTPMessageRenderer {
    /// What precedes the subject on its line.
    private static let subjectPrefix = "Subject: "

    static func render(_ message: EmailMessage) throws(SMTPError) -> SMTPRenderedMessage {
        try validate(message)
        // Written straight into the message's bytes: this runs for every mail, and building the headers as
        // strings first cost more than the rest of a send in notificaciones (docs/rendimiento.md §3).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(512 + message.subject.utf8.count * 2 + message.body.utf8.count * 3 / 2)
        bytes.append(contentsOf: "Date: ".utf8)
        RFC5322Date.append(message.date, to: &bytes)
        appendMailboxHeader("From", message.from, to: &bytes)
        appendMailboxHeader("To", message.to, to: &bytes)
        appendSubjectHeader(message.subject, to: &bytes)
        bytes.append(contentsOf: "Message-ID: <".utf8)
        bytes.append(contentsOf: message.messageID.utf8)
        bytes.append(contentsOf: ">\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n".utf8)
        bytes.append(contentsOf: "Content-Transfer-Encoding: base64\r\nAuto-Submitted: auto-generated\r\n\r\n".utf8)
        MIMEEncoding.appendBase64Lines(of: MIMEEncoding.canonicalLineBreaks(message.body), to: &bytes)
        bytes.append(contentsOf: [0x0D, 0x0A])
        return SMTPRenderedMessage(
            envelopeFrom: "<\(message.from.address)>",
            envelopeRecipient: "<\(message.to.address)>",
            bytes: bytes,
            messageID: message.messageID
        )
    }

    /// Checks every header value; the first problem wins, header injection before anything else.
    static func validate(_ message: EmailMessage) throws(SMTPError) {
        // Injection first across all fields, so a CR/LF is always reported as such.
        if SMTPHeaderValue.containsLineBreakOrNUL(message.from.address) { throw .headerInjection(field: .from) }
        if let name = message.from.displayName, SMTPHeaderValue.containsLineBreakOrNUL(name) {
            throw .headerInjection(field: .fromDisplayName)
        }
        if SMTPHeaderValue.containsLineBreakOrNUL(message.to.address) { throw .headerInjection(field: .to) }
        if let name = message.to.displayName, SMTPHeaderValue.containsLineBreakOrNUL(name) {
            throw .headerInjection(field: .toDisplayName)
        }
        if SMTPHeaderValue.containsLineBreakOrNUL(message.subject) { throw .headerInjection(field: .subject) }
        if SMTPHeaderValue.containsLineBreakOrNUL(message.messageID) { throw .headerInjection(field: .messageID) }
        try message.from.validate(as: .from, displayNameField: .fromDisplayName)
        try message.to.validate(as: .to, displayNameField: .toDisplayName)
        try validateMessageID(message.messageID)
    }

    /// Appends ``mailboxHeader(_:_:)`` and its CRLF, without building strings in the usual cases: a bare
    /// address, or a display name of atoms (without `=`, so never `=?`) that fits on the line.
    private static func appendMailboxHeader(_ name: StaticString, _ mailbox: EmailAddress, to bytes: inout [UInt8]) {
        let header = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        if let displayName = mailbox.displayName {
            // `Name: phrase <address>`
            let length = header.count + 2 + displayName.utf8.count + 1 + mailbox.address.utf8.count + 2
            guard length <= MIMEEncoding.maxLineLength, !displayName.utf8.contains(UInt8(ascii: "=")), isAtomPhrase(displayName) else {
                bytes.append(contentsOf: mailboxHeader(name.description, mailbox).utf8)
                bytes.append(contentsOf: [0x0D, 0x0A])
                return
            }
            bytes.append(contentsOf: header)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: displayName.utf8)
            bytes.append(contentsOf: " <".utf8)
        } else {
            bytes.append(contentsOf: header)
            bytes.append(contentsOf: ": <".utf8)
        }
        bytes.append(contentsOf: mailbox.address.utf8)
        bytes.append(contentsOf: ">\r\n".utf8)
    }

    /// Appends ``subjectHeader(_:)`` and its CRLF; a subject that needs encoding goes straight into `bytes`.
    private static func appendSubjectHeader(_ subject: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: subjectPrefix.utf8)
        if isPlainSubject(subject) {
            bytes.append(contentsOf: subject.utf8)
        } else {
            MIMEEncoding.appendEncodedWords(subject, firstLinePrefixLength: subjectPrefix.utf8.count, to: &bytes)
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    private static func validateMessageID(_ id: String) throws(SMTPError) {
        // `left@right`: one `@` with something on each side, printable ASCII without spaces or angle brackets.
        var ats = 0, atOffset = -1, count = 0, printable = true
        for byte in id.utf8 {
            if byte == UInt8(ascii: "@") { ats += 1; atOffset = count }
            if byte <= 0x20 || byte >= 0x7F || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") { printable = false }
            count += 1
        }
        guard printable, ats == 1, atOffset > 0, atOffset < count - 1, count <= 250 else {
            throw .invalidHeader(
                field: .messageID,
                reason: "expected left@right in printable ASCII without spaces or angle brackets, got \(EmailAddress.quoted(id))"
            )
        }
    }

    /// `Subject: text` as is when it is short printable ASCII, otherwise folded RFC 2047 words.
    static func subjectHeader(_ subject: String) -> String {
        if isPlainSubject(subject) { return subjectPrefix + subject }
        return subjectPrefix + MIMEEncoding.encodedWords(subject, firstLinePrefixLength: subjectPrefix.count).joined(separator: "\r\n ")
    }

    /// Whether a subject goes as is after `Subject: `: short printable ASCII without tabs, `=?` or blanks at
    /// its ends.
    private static func isPlainSubject(_ subject: String) -> Bool {
        MIMEEncoding.isPrintableASCII(subject) && !subject.contains("=?") && !subject.contains("\t")
            && SMTPHeaderValue.trimmingSpacesAndTabs(subject) == subject && subjectPrefix.count + subject.count <= MIMEEncoding.maxLineLength
    }

    /// `From: Name <address>`. A printable-ASCII name goes as atoms or a quoted string; otherwise the
    /// plain ASCII words stay readable and each run of other words becomes RFC 2047 encoded words,
    /// folded so that lines stay within 76 characters.
    static func mailboxHeader(_ name: String, _ mailbox: EmailAddress) -> String {
        let angle = "<\(mailbox.address)>"
        guard let displayName = mailbox.displayName else { return "\(name): \(angle)" }

        if MIMEEncoding.isPrintableASCII(displayName), !displayName.contains("=?"), !displayName.contains("\t") {
            let phrase = isAtomPhrase(displayName) ? displayName : quotedString(displayName)
            let line = "\(name): \(phrase) \(angle)"
            if line.count <= MIMEEncoding.maxLineLength { return line }
        }
        var folder = HeaderFolder(name: name)
        for segment in phraseSegments(displayName) {
            switch segment {
            case .atom(let atom):
                folder.append(atom)
            case .encoded(let text):
                // Start the run on a new line when too little room is left for a useful first word.
                if MIMEEncoding.maxLineLength - folder.lineLength - 1 < 24 { folder.breakLine() }
                for word in MIMEEncoding.encodedWords(text, firstLinePrefixLength: folder.lineLength + 1) {
                    folder.append(word)
                }
            }
        }
        folder.append(angle)
        return folder.text
    }

    private enum PhraseSegment: Equatable {
        case atom(String)
        case encoded(String)
    }

    /// Splits a display name into plain atoms and runs of words that need encoding. Adjacent encoded
    /// words would have the space between them dropped by decoders (RFC 2047 section 6.2), so a
    /// space is only ever kept between an atom and something else; consecutive words that need
    /// encoding are merged into one run together with the spaces between them.
    private static func phraseSegments(_ displayName: String) -> [PhraseSegment] {
        let words = displayName.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        // Unusual spacing (leading, trailing, doubled spaces) survives only inside one encoded run.
        guard !words.contains(where: \.isEmpty) else { return [.encoded(displayName)] }
        var segments: [PhraseSegment] = []
        for word in words {
            if isAtomPhrase(word), !word.contains("=?") {
                segments.append(.atom(word))
            } else if case .encoded(let run)? = segments.last {
                segments[segments.count - 1] = .encoded(run + " " + word)
            } else {
                segments.append(.encoded(word))
            }
        }
        return segments
    }

    /// Joins header words with single spaces, folding (CRLF + space) before a word that would make the
    /// line longer than 76 characters.
    private struct HeaderFolder {
        private(set) var text: String
        private(set) var lineLength: Int
        /// False right after `Name:` or a fold, so that no line is ever left empty.
        private var canBreak = false

        init(name: String) {
            text = name + ":"
            lineLength = text.count
        }

        mutating func append(_ word: String) {
            if canBreak, lineLength + 1 + word.count > MIMEEncoding.maxLineLength { breakLine() }
            text += " " + word
            lineLength += 1 + word.count
            canBreak = true
        }

        mutating func breakLine() {
            guard canBreak else { return }
            text += "\r\n"
            lineLength = 0
            canBreak = false
        }
    }

    /// Whether `text` is a sequence of RFC 5322 atoms separated by single spaces.
    private static func isAtomPhrase(_ text: String) -> Bool {
        text.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).allSatisfy { word in
            !word.isEmpty && word.allSatisfy(isAtext)
        }
    }

    /// RFC 5322 `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    private static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
        }
    }

    private static func quotedString(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}
