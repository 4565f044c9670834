import Foundation

/// One plain-text email to one recipient.
///
/// The value is not validated when created: `SMTPClient.send(_:)` validates every header value
/// (rejecting CR, LF and NUL with `SMTPError.headerInjection`) before anything is sent.
public struct EmailMessage: Sendable, Hashable {
    /// The sender, used for the `From` header and the SMTP envelope (`MAIL FROM`).
    public var from: EmailAddress
    /// The single recipient, used for the `To` header and the SMTP envelope (`RCPT TO`).
    public var to: EmailAddress
    /// The subject, any Unicode text on one line (RFC 2047 encoded when not plain ASCII).
    public var subject: String
    /// The plain-text body (sent as UTF-8, base64 transfer encoding, CRLF line breaks).
    public var body: String
    /// The `Date` header (rendered in UTC, whole seconds).
    public var date: Date
    /// The `Message-ID` header without angle brackets, e.g. `1234@pedidos.test`. Reuse the same id
    /// when retrying the same logical message so receivers can recognise duplicates.
    public var messageID: String

    /// Creates a message. Without `messageID`, a random `<UUID>@<sender domain>` id is generated.
    /// A `messageID` given with surrounding angle brackets has them removed.
    public init(
        from: EmailAddress,
        to: EmailAddress,
        subject: String,
        body: String,
        date: Date = Date(),
        messageID: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.date = date
        self.messageID = messageID.map(Self.strippingAngleBrackets) ?? Self.generateMessageID(from: from)
    }

    /// A new random id whose right-hand side is the sender's domain (`pedidos.invalid` if unusable).
    public static func generateMessageID(from sender: EmailAddress) -> String {
        let domain = sender.address.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init)
        let right = domain.flatMap { $0.isEmpty || EmailAddress.problem(with: "x@\($0)") != nil ? nil : $0 }
        return "\(UUID().uuidString.lowercased())@\(right ?? "pedidos.invalid")"
    }

    private static func strippingAngleBrackets(_ id: String) -> String {
        // Bytes, not characters: this runs for every mail the outbox sends.
        guard id.utf8.count >= 2, id.utf8.first == UInt8(ascii: "<"), id.utf8.last == UInt8(ascii: ">") else { return id }
        return String(decoding: id.utf8.dropFirst().dropLast(), as: UTF8.self)  // ASCII brackets: the rest stays valid UTF-8
    }
}
