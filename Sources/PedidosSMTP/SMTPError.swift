/// Everything that can go wrong while configuring the SMTP layer or sending a message.
///
/// Each error says whether retrying later can help (`isTransient`): the outbox retries transient
/// errors with backoff and parks permanent ones for a human. Validation errors (`headerInjection`,
/// `invalidAddress`, `invalidHeader`) are always raised before anything is sent.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header fields of a message that the layer validates.
    public enum HeaderField: String, Sendable, Equatable, CustomStringConvertible {
        case from = "From"
        case fromDisplayName = "From display name"
        case to = "To"
        case toDisplayName = "To display name"
        case subject = "Subject"
        case messageID = "Message-ID"

        public var description: String { rawValue }
    }

    /// A header value contains CR, LF or NUL, which could inject headers or SMTP commands.
    case headerInjection(field: HeaderField)
    /// An address is not a plain `local@domain` (see `EmailAddress`).
    case invalidAddress(field: HeaderField, reason: String)
    /// Another header value is malformed (for example a Message-ID without `@`).
    case invalidHeader(field: HeaderField, reason: String)
    /// The configuration cannot work (bad `SMTP_URL`, credentials over a plain connection, an option
    /// this libcurl does not support, ...).
    case invalidConfiguration(String)
    /// The server could not be reached or dropped the connection (DNS, refused, reset, TLS handshake).
    case connectionFailed(String)
    /// The connect or total timeout elapsed.
    case timedOut(String)
    /// TLS could not be established safely: certificate verification failed, the CA file is unusable,
    /// or the server does not offer STARTTLS although it is required.
    case tlsFailed(String)
    /// The server refused the credentials. `smtpCode` is the server's reply code (0 when unknown).
    case authenticationFailed(smtpCode: Int, message: String)
    /// The server answered a command with an error reply (4xx: try again later, 5xx: refused).
    case rejected(smtpCode: Int, message: String)
    /// Any other libcurl failure; `curlCode` is the raw `CURLcode`.
    case transferFailed(curlCode: Int, message: String)
    /// The calling task was cancelled before or during the transfer.
    case cancelled
    /// The caller withheld the end of data (its hook returned `false`): the server did not get the message.
    case aborted(String)

    /// Whether sending the same message later may succeed (4xx replies, network trouble, timeouts,
    /// cancellation). Permanent errors (5xx replies, bad credentials, invalid messages or
    /// configuration, certificate problems) will fail again until something changes.
    public var isTransient: Bool {
        switch self {
        case .headerInjection, .invalidAddress, .invalidHeader, .invalidConfiguration, .tlsFailed:
            return false
        case .connectionFailed, .timedOut, .transferFailed, .cancelled, .aborted:
            return true
        case .authenticationFailed(let code, _), .rejected(let code, _):
            return (400..<500).contains(code)
        }
    }

    /// The opposite of `isTransient`.
    public var isPermanent: Bool { !isTransient }

    /// The SMTP reply code behind the error, when the server sent one.
    public var smtpCode: Int? {
        switch self {
        case .authenticationFailed(let code, _), .rejected(let code, _):
            return code == 0 ? nil : code
        default:
            return nil
        }
    }

    public var description: String {
        let kind = isTransient ? "transient" : "permanent"
        switch self {
        case .headerInjection(let field):
            return "header injection: the \(field) value contains CR, LF or NUL (\(kind))"
        case .invalidAddress(let field, let reason):
            return "invalid \(field) address: \(reason) (\(kind))"
        case .invalidHeader(let field, let reason):
            return "invalid \(field) header: \(reason) (\(kind))"
        case .invalidConfiguration(let reason):
            return "invalid SMTP configuration: \(reason) (\(kind))"
        case .connectionFailed(let reason):
            return "SMTP connection failed: \(reason) (\(kind))"
        case .timedOut(let reason):
            return "SMTP timed out: \(reason) (\(kind))"
        case .tlsFailed(let reason):
            return "SMTP TLS failed: \(reason) (\(kind))"
        case .authenticationFailed(let code, let message):
            return "SMTP authentication failed\(code == 0 ? "" : " with \(code)"): \(message) (\(kind))"
        case .rejected(let code, let message):
            return "SMTP server replied \(code): \(message) (\(kind))"
        case .transferFailed(let code, let message):
            return "SMTP transfer failed (curl error \(code)): \(message) (\(kind))"
        case .cancelled:
            return "SMTP send cancelled (\(kind))"
        case .aborted(let reason):
            return "SMTP send aborted before the end of data: \(reason) (\(kind))"
        }
    }
}
