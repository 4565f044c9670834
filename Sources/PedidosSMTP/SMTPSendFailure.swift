/// A failed send, with whether it failed before or after the SMTP end of data.
///
/// Thrown by ``SMTPClient/send(_:beforeEndOfData:)``. Before the end of data the server cannot hold the
/// message. After it, an error reply (`error.smtpCode`) still means it refused the message, but a broken
/// connection or a timeout leaves its fate unknown: ``mayHaveBeenDelivered``.
public struct SMTPSendFailure: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let error: SMTPError
    /// Whether the end of data had been allowed (the hook ran and returned `true`).
    public let passedEndOfData: Bool

    public init(error: SMTPError, passedEndOfData: Bool) {
        self.error = error
        self.passedEndOfData = passedEndOfData
    }

    /// The server may have accepted the message although the send failed: the end of data was sent and
    /// no error reply came back. Sending it again could deliver it twice.
    public var mayHaveBeenDelivered: Bool { passedEndOfData && error.smtpCode == nil }

    public var description: String {
        passedEndOfData ? "\(error) (after the end of data)" : error.description
    }
}
