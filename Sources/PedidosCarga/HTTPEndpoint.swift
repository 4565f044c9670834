import Foundation

/// `http://host:port` split into the parts a raw connection needs, plus the path prefix.
public struct HTTPEndpoint: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    /// Path prefix without a trailing slash ("" for the root).
    public let basePath: String

    public init(_ url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else {
            throw CargaError("URL no válida (se espera http://host:puerto): \(url)")
        }
        self.host = host
        port = components.port ?? 80
        basePath = components.path.hasSuffix("/") ? String(components.path.dropLast()) : components.path
    }

    public var description: String { "http://\(host):\(port)\(basePath)" }
}
