import Foundation

/// Where and how `SMTPClient` delivers mail.
///
/// Build it from the environment with `fromEnvironment(_:)` or directly with
/// `init(url:username:password:from:tlsMode:caFile:connectTimeout:totalTimeout:)`. Both validate:
/// credentials are never sent over a connection without TLS.
public struct SMTPConfiguration: Sendable, Equatable {
    /// How the connection is protected.
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain SMTP (`smtp://`), for a local development server. Not allowed with credentials.
        case none
        /// `smtp://` upgraded with STARTTLS; sending fails if the server does not offer it (port 587,
        /// e.g. `smtp://smtp.gmail.com:587` with an app password).
        case startTLS = "starttls"
        /// TLS from the first byte (`smtps://`, port 465).
        case implicit
    }

    /// The server's host name or IP address.
    public let host: String
    /// The server's TCP port.
    public let port: Int
    /// How the connection is protected.
    public let tlsMode: TLSMode
    /// The user for SMTP AUTH, or nil to send without authenticating.
    public let username: String?
    /// The password for SMTP AUTH (never logged nor shown in `description`-like output).
    public let password: String?
    /// The default sender for messages (`SMTP_FROM`).
    public let from: EmailAddress
    /// A PEM file with the CA certificates to trust instead of the system ones (self-signed test servers).
    public let caFile: String?
    /// The longest time to wait for the TCP (and TLS) connection to be established.
    public let connectTimeout: Duration
    /// The longest time one `send` may take in total, connection included.
    public let totalTimeout: Duration

    /// The URL libcurl connects to, without credentials, e.g. `smtp://127.0.0.1:12525`.
    public var url: String {
        let scheme = tlsMode == .implicit ? "smtps" : "smtp"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart):\(port)"
    }

    /// Default values used by `fromEnvironment(_:)` when a variable is unset or empty.
    public enum Defaults {
        /// `SMTP_URL`: the development server that `scripts/infra.sh up smtp` starts.
        public static let url = "smtp://127.0.0.1:12525"
        /// `SMTP_FROM`.
        public static let from = "Pedidos <pedidos@pedidos.test>"
        /// `SMTP_CONNECT_TIMEOUT_MS`: 10 seconds.
        public static let connectTimeout: Duration = .seconds(10)
        /// `SMTP_TIMEOUT_MS`: 60 seconds.
        public static let totalTimeout: Duration = .seconds(60)
    }

    /// Creates a configuration from an `smtp://host[:port]` or `smtps://host[:port]` URL.
    ///
    /// - Parameters:
    ///   - url: `smtp://` (default port 25) or `smtps://` (default port 465); no user info, path or query.
    ///   - username: SMTP AUTH user; nil or empty for none. Requires `password`.
    ///   - password: SMTP AUTH password.
    ///   - from: the default sender; validated like any `From` header.
    ///   - tlsMode: nil derives it from the URL: `smtps://` is `.implicit`; `smtp://` is `.startTLS`
    ///     when credentials are set and `.none` otherwise.
    ///   - caFile: PEM CA bundle to trust instead of the system store.
    ///   - connectTimeout: bound on connecting (at least 1 ms).
    ///   - totalTimeout: bound on a whole send (at least 1 ms).
    /// - Throws: `SMTPError.invalidConfiguration` (or an address error for `from`).
    public init(
        url: String,
        username: String? = nil,
        password: String? = nil,
        from: EmailAddress,
        tlsMode: TLSMode? = nil,
        caFile: String? = nil,
        connectTimeout: Duration = Defaults.connectTimeout,
        totalTimeout: Duration = Defaults.totalTimeout
    ) throws(SMTPError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let rawHost = components.host, !rawHost.isEmpty
        else {
            throw .invalidConfiguration("SMTP URL \(EmailAddress.quoted(url)) is not smtp://host:port or smtps://host:port")
        }
        guard scheme == "smtp" || scheme == "smtps" else {
            throw .invalidConfiguration("SMTP URL scheme must be smtp or smtps, got \(EmailAddress.quoted(scheme))")
        }
        guard components.user == nil, components.password == nil else {
            throw .invalidConfiguration("put SMTP credentials in SMTP_USER and SMTP_PASSWORD, not in the URL")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil else {
            throw .invalidConfiguration("SMTP URL \(EmailAddress.quoted(url)) must not have a path, query or fragment")
        }
        let host = rawHost.hasPrefix("[") && rawHost.hasSuffix("]") ? String(rawHost.dropFirst().dropLast()) : rawHost
        let port = components.port ?? (scheme == "smtps" ? 465 : 25)
        guard (1...65535).contains(port) else { throw .invalidConfiguration("SMTP port \(port) is out of range") }

        let username = username.flatMap { $0.isEmpty ? nil : $0 }
        let password = password.flatMap { $0.isEmpty ? nil : $0 }
        if username == nil, password != nil {
            throw .invalidConfiguration("an SMTP password is set without a user (SMTP_USER)")
        }
        if username != nil, password == nil {
            throw .invalidConfiguration("an SMTP user is set without a password (SMTP_PASSWORD)")
        }
        for (name, value) in [("user", username), ("password", password)] {
            if let value, SMTPHeaderValue.containsLineBreakOrNUL(value) {
                throw .invalidConfiguration("the SMTP \(name) contains CR, LF or NUL")
            }
        }

        let derived: TLSMode = scheme == "smtps" ? .implicit : (username != nil ? .startTLS : .none)
        let mode = tlsMode ?? derived
        switch (scheme, mode) {
        case ("smtps", .none), ("smtps", .startTLS):
            throw .invalidConfiguration("smtps:// always uses implicit TLS; use smtp:// for \(mode.rawValue)")
        case ("smtp", .implicit):
            throw .invalidConfiguration("implicit TLS needs an smtps:// URL")
        default:
            break
        }
        if mode == .none, username != nil {
            throw .invalidConfiguration("refusing to send SMTP credentials without TLS: use STARTTLS or smtps://")
        }

        let fromCopy = from
        try fromCopy.validate(as: .from, displayNameField: .fromDisplayName)
        guard connectTimeout >= .milliseconds(1), totalTimeout >= .milliseconds(1) else {
            throw .invalidConfiguration("SMTP timeouts must be at least 1 ms")
        }
        if let caFile, caFile.isEmpty || SMTPHeaderValue.containsLineBreakOrNUL(caFile) {
            throw .invalidConfiguration("the SMTP CA file path is empty or contains control characters")
        }

        self.host = host
        self.port = port
        self.tlsMode = mode
        self.username = username
        self.password = password
        self.from = from
        self.caFile = caFile.flatMap { $0.isEmpty ? nil : $0 }
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }

    /// Reads the configuration from environment variables (empty values count as unset):
    ///
    /// | Variable | Meaning | Default |
    /// |---|---|---|
    /// | `SMTP_URL` | `smtp://host:port` or `smtps://host:port` | `smtp://127.0.0.1:12525` |
    /// | `SMTP_USER`, `SMTP_PASSWORD` | SMTP AUTH credentials (both or neither) | none |
    /// | `SMTP_FROM` | default sender, `Name <address>` or `address` | `Pedidos <pedidos@pedidos.test>` |
    /// | `SMTP_TLS` | `none`, `starttls` or `implicit` | derived: `implicit` for smtps://, `starttls` with credentials, else `none` |
    /// | `SMTP_CA_FILE` | PEM CA bundle to trust instead of the system store | system store |
    /// | `SMTP_CONNECT_TIMEOUT_MS` | connect timeout in milliseconds | 10000 |
    /// | `SMTP_TIMEOUT_MS` | total timeout per message in milliseconds | 60000 |
    ///
    /// For Gmail: `SMTP_URL=smtp://smtp.gmail.com:587`, `SMTP_USER=you@gmail.com`,
    /// `SMTP_PASSWORD=<app password>` (STARTTLS is then required automatically).
    /// - Throws: `SMTPError.invalidConfiguration` or an address error for `SMTP_FROM`.
    public static func fromEnvironment(
        _ env: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SMTPError) -> SMTPConfiguration {
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        func milliseconds(_ name: String, default fallback: Duration) throws(SMTPError) -> Duration {
            guard let text = value(name) else { return fallback }
            guard let ms = Int(SMTPHeaderValue.trimmingSpacesAndTabs(text)), ms > 0 else {
                throw .invalidConfiguration("\(name) must be a positive number of milliseconds, got \(EmailAddress.quoted(text))")
            }
            return .milliseconds(ms)
        }
        var mode: TLSMode?
        if let text = value("SMTP_TLS") {
            guard let parsed = TLSMode(rawValue: text.lowercased()) else {
                throw .invalidConfiguration("SMTP_TLS must be none, starttls or implicit, got \(EmailAddress.quoted(text))")
            }
            mode = parsed
        }
        return try SMTPConfiguration(
            url: value("SMTP_URL") ?? Defaults.url,
            username: value("SMTP_USER"),
            password: value("SMTP_PASSWORD"),
            from: try EmailAddress(parsing: value("SMTP_FROM") ?? Defaults.from, field: .from),
            tlsMode: mode,
            caFile: value("SMTP_CA_FILE"),
            connectTimeout: try milliseconds("SMTP_CONNECT_TIMEOUT_MS", default: Defaults.connectTimeout),
            totalTimeout: try milliseconds("SMTP_TIMEOUT_MS", default: Defaults.totalTimeout)
        )
    }
}

extension SMTPConfiguration: CustomStringConvertible {
    /// A one-line summary for logs; the password is never included.
    public var description: String {
        let auth = username.map { "user \($0)" } ?? "no auth"
        return "\(url) (TLS: \(tlsMode.rawValue), \(auth), from: \(from)\(caFile.map { ", CA file: \($0)" } ?? ""))"
    }
}
