import Foundation

/// Where and how a `PostgresPool` connects: server address, credentials, pool size and timeouts.
///
/// Usually built from a URL such as `postgresql://pedidos@127.0.0.1:15432/pedidos`:
///
/// ```swift
/// var configuration = try PostgresConfiguration(url: databaseURL)
/// configuration.poolSize = 8
/// let pool = PostgresPool(configuration: configuration)
/// ```
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// Host name or IP address of the server (or a Unix-socket directory, as libpq accepts).
    public var host: String
    /// TCP port of the server.
    public var port: Int
    /// Role to log in as; `nil` lets libpq use its default (the operating-system user).
    public var user: String?
    /// Password, if the server asks for one.
    public var password: String?
    /// Database name; `nil` lets libpq use its default (the user name).
    public var database: String?
    /// Number of connections the pool opens at most. Default 4.
    public var poolSize: Int
    /// How long opening one connection may take before it fails.
    ///
    /// libpq counts whole seconds with a minimum of 2, so the value is rounded up to that.
    public var connectTimeout: Duration
    /// How long a caller waits for a free connection before `PostgresError.Kind.poolTimeout` is thrown.
    public var acquireTimeout: Duration
    /// The longest one statement may run: the server cancels it after this (`statement_timeout`), and the
    /// pool's watchdog cancels it from the client shortly after in case the server did not. `nil` means
    /// no limit. Default 30 s.
    public var statementTimeout: Duration?
    /// `search_path` set on every new connection (for example `"tenant_a, public"`); `nil` keeps the server default.
    public var searchPath: String?
    /// `application_name` reported to the server (visible in `pg_stat_activity`).
    public var applicationName: String
    /// Whether each connection prepares the statements it runs (once each, on first use) instead of having
    /// the server parse and analyse every execution (it still plans each one). Default true; turn it off behind
    /// a transaction-mode pooler that does not track prepared statements (PgBouncer before 1.21).
    public var preparedStatements: Bool
    /// Further libpq connection keywords (for example `sslmode`), taken from the URL's query string.
    public var options: [String: String]

    /// Creates a configuration from explicit values.
    public init(
        host: String = "127.0.0.1",
        port: Int = 5432,
        user: String? = nil,
        password: String? = nil,
        database: String? = nil,
        poolSize: Int = 4,
        connectTimeout: Duration = .seconds(5),
        acquireTimeout: Duration = .seconds(10),
        statementTimeout: Duration? = .seconds(30),
        searchPath: String? = nil,
        applicationName: String = "pedidos",
        preparedStatements: Bool = true,
        options: [String: String] = [:]
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
        self.acquireTimeout = acquireTimeout
        self.searchPath = searchPath
        self.applicationName = applicationName
        self.preparedStatements = preparedStatements
        self.options = options
    }

    /// Parses a `postgresql://user:password@host:port/database?key=value` URL (`postgres://` is accepted too).
    ///
    /// Recognised query keys: `pool_size`, `connect_timeout` (seconds), `acquire_timeout` (seconds),
    /// `statement_timeout` (seconds; 0 for no limit), `search_path`, `application_name` and
    /// `prepared_statements` (`true` or `false`); any other key is passed to libpq as a connection keyword
    /// (for example `sslmode=require`).
    /// - Throws: `PostgresError` of kind `.invalidConfiguration` when the URL cannot be used.
    public init(url: String) throws {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(),
              scheme == "postgresql" || scheme == "postgres"
        else {
            throw PostgresError(.invalidConfiguration, "not a postgresql:// URL: \(Self.redacted(url))")
        }
        func decoded(_ text: String?) -> String? {
            guard let text, !text.isEmpty else { return nil }
            return text.removingPercentEncoding ?? text
        }
        var host = decoded(components.percentEncodedHost) ?? "127.0.0.1"
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host, port: components.port ?? 5432)
        user = decoded(components.percentEncodedUser)
        password = components.percentEncodedPassword.map { $0.removingPercentEncoding ?? $0 }
        let path = components.percentEncodedPath
        database = decoded(path.hasPrefix("/") ? String(path.dropFirst()) : path)

        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "pool_size":
                guard let size = Int(value), size > 0 else {
                    throw PostgresError(.invalidConfiguration, "pool_size must be a positive integer, got '\(value)'")
                }
                poolSize = size
            case "connect_timeout", "acquire_timeout":
                guard let seconds = Double(value), seconds > 0 else {
                    throw PostgresError(.invalidConfiguration, "\(item.name) must be a positive number of seconds, got '\(value)'")
                }
                let duration = Duration.milliseconds(Int64((seconds * 1000).rounded()))
                if item.name == "connect_timeout" { connectTimeout = duration } else { acquireTimeout = duration }
            case "statement_timeout":
                guard let seconds = Double(value), seconds >= 0 else {
                    throw PostgresError(.invalidConfiguration, "statement_timeout must be a number of seconds (0 for no limit), got '\(value)'")
                }
                statementTimeout = seconds == 0 ? nil : .milliseconds(Int64((seconds * 1000).rounded()))
            case "search_path":
                searchPath = value
            case "application_name":
                applicationName = value
            case "prepared_statements":
                guard let flag = Bool(value.lowercased()) else {
                    throw PostgresError(.invalidConfiguration, "prepared_statements must be true or false, got '\(value)'")
                }
                preparedStatements = flag
            default:
                options[item.name] = value
            }
        }
    }

    /// The URL form of this configuration with the password hidden, for logs.
    public var description: String {
        var text = "postgresql://"
        if let user { text += user + (password == nil ? "" : ":***") + "@" }
        text += host.contains(":") ? "[\(host)]" : host
        text += ":\(port)/\(database ?? "")"
        return text
    }

    /// libpq's `connect_timeout`: whole seconds, at least 2 (libpq treats 1 as 2 anyway).
    var connectTimeoutSeconds: Int {
        let components = connectTimeout.components
        let seconds = Int(components.seconds) + (components.attoseconds > 0 ? 1 : 0)
        return max(2, seconds)
    }

    /// The session's `statement_timeout` setting, in milliseconds ("0" disables it).
    var statementTimeoutSetting: String {
        guard let statementTimeout else { return "0" }
        return String(max(1, Int64((statementTimeout.seconds * 1000).rounded())))
    }

    /// The keyword/value pairs handed to `PQconnectdbParams`.
    var libpqParameters: [(String, String)] {
        var parameters: [String: String] = [
            "host": host,
            "port": String(port),
            "connect_timeout": String(connectTimeoutSeconds),
            "application_name": applicationName,
            "client_encoding": "UTF8",
            // Notice a silently vanished server on idle connections instead of waiting for the OS default (hours).
            "keepalives": "1",
            "keepalives_idle": "30",
            "keepalives_interval": "10",
            "keepalives_count": "3",
        ]
        if let user { parameters["user"] = user }
        if let password { parameters["password"] = password }
        if let database { parameters["dbname"] = database }
        for (key, value) in options { parameters[key] = value }
        return parameters.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    private static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "<unparseable URL>"
    }
}
