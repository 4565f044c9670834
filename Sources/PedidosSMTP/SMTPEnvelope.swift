/// What a mail transaction says before its content: the `MAIL FROM` and `RCPT TO` addresses (validated, in
/// angle brackets) and, to recognise the mail, its Message-ID.
struct SMTPEnvelope: Sendable, Equatable {
    var from: String
    var recipient: String
    var messageID: String

    /// `MAIL FROM`, `RCPT TO` and `DATA`, each with its CRLF.
    var commands: [String] { ["MAIL FROM:\(from)\r\n", "RCPT TO:\(recipient)\r\n", "DATA\r\n"] }
}

extension SMTPRenderedMessage {
    var envelope: SMTPEnvelope { SMTPEnvelope(from: envelopeFrom, recipient: envelopeRecipient, messageID: messageID) }
}

extension SMTPMessageRenderer {
    /// The envelope of `message`, with the addresses it carries validated (nothing invalid ever reaches the
    /// server); the rest of the message is validated when it is rendered.
    static func envelope(of message: EmailMessage) throws(SMTPError) -> SMTPEnvelope {
        for (field, address) in [(SMTPError.HeaderField.from, message.from.address), (.to, message.to.address)] {
            if SMTPHeaderValue.containsLineBreakOrNUL(address) { throw .headerInjection(field: field) }
            if let reason = EmailAddress.problem(with: address) { throw .invalidAddress(field: field, reason: reason) }
        }
        return SMTPEnvelope(from: "<\(message.from.address)>", recipient: "<\(message.to.address)>", messageID: message.messageID)
    }
}
