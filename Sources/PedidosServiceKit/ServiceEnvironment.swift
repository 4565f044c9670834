import Foundation
import Logging
import PedidosDomain
import PedidosKafka

/// Configuration every service reads from the environment, with documented defaults.
///
/// | Variable | Default | Meaning |
/// |---|---|---|
/// | `KAFKA_BROKERS` | `127.0.0.1:19092` | bootstrap servers |
/// | `KAFKA_PROFILE` | `embedded` | `embedded` (Tansu) or `cluster` (Apache Kafka), see ``KafkaProfile`` |
/// | `KAFKA_PROPERTIES` | empty | extra librdkafka properties, `name=value` separated by `;` (SASL/TLS of a managed cluster) |
/// | `KAFKA_PARTITIONS` | `6` | partitions of each state topic when the service creates it |
/// | `DATABASE_URL` | `postgresql://pedidos@127.0.0.1:15432/pedidos` | PostgreSQL |
/// | `MIGRATIONS_DIR` | `migrations` | SQL migrations applied at start-up |
/// | `PEDIDOS_DELAY` | `5s` | time N an order spends in each state |
/// | `PEDIDOS_DELAY_<ESTADO>` | `PEDIDOS_DELAY` | per-state override, e.g. `PEDIDOS_DELAY_PREPARANDO=10s` |
/// | `PEDIDOS_TOPIC_PREFIX` | empty | prefix of topic and group names (test isolation) |
/// | `LOG_LEVEL` | `info` | trace, debug, info, notice, warning, error, critical |
public struct ServiceEnvironment: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    public subscript(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

    public func kafka(clientID: String) throws -> KafkaConfiguration {
        try KafkaConfiguration(environment: values, clientID: clientID)
    }

    public var partitions: Int {
        get throws {
            guard let text = self["KAFKA_PARTITIONS"] else { return 6 }
            guard let value = Int(text), value > 0 else { throw ConfigurationError("KAFKA_PARTITIONS=\(text) is not a positive integer") }
            return value
        }
    }

    /// Topic and group names (`PEDIDOS_TOPIC_PREFIX`, empty by default; tests isolate themselves with it).
    public var topics: PedidoTopics { PedidoTopics(prefix: self["PEDIDOS_TOPIC_PREFIX"] ?? "") }

    public var databaseURL: String { self["DATABASE_URL"] ?? "postgresql://pedidos@127.0.0.1:15432/pedidos" }

    public var migrationsDirectory: URL { URL(fileURLWithPath: self["MIGRATIONS_DIR"] ?? "migrations") }

    /// Time an order spends in `estado` before moving on.
    public func delay(for estado: Estado) throws -> Duration {
        let specific = "PEDIDOS_DELAY_\(estado.rawValue.uppercased())"
        let text = self[specific] ?? self["PEDIDOS_DELAY"] ?? "5s"
        do { return try DurationParsing.parse(text) } catch { throw ConfigurationError("\(self[specific] != nil ? specific : "PEDIDOS_DELAY"): \(error)") }
    }

    public var logLevel: Logger.Level {
        self["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info
    }

    /// A positive integer from `name`, or `fallback`.
    public func positiveInteger(_ name: String, default fallback: Int) throws -> Int {
        try positiveInteger(name) ?? fallback
    }

    /// A positive integer from `name`, or `nil` when it is not set.
    public func positiveInteger(_ name: String) throws -> Int? {
        guard let text = self[name] else { return nil }
        guard let value = Int(text), value > 0 else { throw ConfigurationError("\(name)=\(text) is not a positive integer") }
        return value
    }

    /// A positive duration (`250ms`, `5s`, `2m`) from `name`, or `fallback`.
    public func duration(_ name: String, default fallback: Duration) throws -> Duration {
        guard let text = self[name] else { return fallback }
        let value: Duration
        do { value = try DurationParsing.parse(text) } catch { throw ConfigurationError("\(name): \(error)") }
        guard value > .zero else { throw ConfigurationError("\(name)=\(text) must be greater than zero") }
        return value
    }

    /// An integer port from `name`, or `fallback`.
    public func port(_ name: String, default fallback: Int) throws -> Int {
        guard let text = self[name] else { return fallback }
        guard let value = Int(text), (0...65535).contains(value) else { throw ConfigurationError("\(name)=\(text) is not a port") }
        return value
    }
}

/// A configuration value that cannot be used; the message names the variable.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
