import Foundation

/// Where the brokers are and how to talk to them. Services build it from the environment with
/// ``KafkaConfiguration/init(environment:)``; tests build it directly.
public struct KafkaConfiguration: Sendable {
    /// Comma-separated `host:port` list (`KAFKA_BROKERS`, default `127.0.0.1:19092`, the embedded broker).
    public var brokers: String
    /// Which broker flavour to tune for (`KAFKA_PROFILE`, default `embedded`).
    public var profile: KafkaProfile
    /// `client.id` reported to the broker (shows up in its logs and metrics).
    public var clientID: String
    /// Extra librdkafka properties, applied last (they override the profile).
    public var properties: [String: String]

    public init(
        brokers: String = "127.0.0.1:19092",
        profile: KafkaProfile = .embedded,
        clientID: String = "pedidos",
        properties: [String: String] = [:]
    ) {
        self.brokers = brokers
        self.profile = profile
        self.clientID = clientID
        self.properties = properties
    }

    /// Reads `KAFKA_BROKERS`, `KAFKA_PROFILE`, `KAFKA_DEBUG` (librdkafka's `debug` contexts, e.g.
    /// `cgrp,topic`, logged at debug level) and `KAFKA_PROPERTIES` (see ``parseProperties(_:)``; what a
    /// managed cluster needs, such as SASL/TLS, goes there). Unknown profiles and malformed properties are
    /// errors, not silent defaults.
    public init(environment: [String: String], clientID: String) throws {
        let profileName = environment["KAFKA_PROFILE"] ?? KafkaProfile.embedded.rawValue
        guard let profile = KafkaProfile(rawValue: profileName) else {
            throw KafkaError(kind: .configuration,
                             message: "KAFKA_PROFILE=\(profileName) is not one of \(KafkaProfile.allCases.map(\.rawValue))")
        }
        var properties: [String: String] = [:]
        if let debug = environment["KAFKA_DEBUG"], !debug.isEmpty { properties["debug"] = debug }
        if let text = environment["KAFKA_PROPERTIES"] {
            properties.merge(try Self.parseProperties(text)) { _, new in new }
        }
        self.init(brokers: environment["KAFKA_BROKERS"] ?? "127.0.0.1:19092", profile: profile, clientID: clientID,
                  properties: properties)
    }

    /// librdkafka properties written as `name=value` pairs separated by `;` or line breaks, e.g.
    /// `security.protocol=SASL_SSL;sasl.mechanisms=PLAIN;sasl.username=u;sasl.password=p`. A value may
    /// contain `=`; blank pairs are ignored. librdkafka itself rejects unknown names and bad values when
    /// a client is created.
    public static func parseProperties(_ text: String) throws -> [String: String] {
        var properties: [String: String] = [:]
        var position = 0
        for pair in text.split(whereSeparator: { $0 == ";" || $0.isNewline }) {
            let trimmed = pair.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            position += 1
            guard let equals = trimmed.firstIndex(of: "="),
                  case let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces), !name.isEmpty else {
                // The entry itself is not echoed: it may hold a secret (sasl.password=…) mistyped.
                throw KafkaError(kind: .configuration,
                                 message: "KAFKA_PROPERTIES: an entry is not name=value (entry \(position) of the list)")
            }
            properties[name] = String(trimmed[trimmed.index(after: equals)...])
        }
        return properties
    }

    /// Properties shared by every client: bootstrap servers, client id, fast failure detection (a dead
    /// broker is noticed within seconds, not minutes), and no topic created as a side effect.
    ///
    /// `allow.auto.create.topics` is off for every client (librdkafka turns it on for producers): the
    /// topics are created only by ``KafkaAdmin`` with the configured partition count (``TopicGuard`` in the
    /// services). Tansu creates a topic named in a metadata request that allows it with 4 partitions; after
    /// a memory broker's restart, or the topics deleted by hand, a producer's or a lag query's metadata
    /// request then re-created them before the guard could, and the consumers, assigned six partitions,
    /// stalled (seen in `ReconcilerFaultTests`: orders stuck in every stage for minutes).
    var commonProperties: [String: String] {
        [
            "bootstrap.servers": brokers,
            "client.id": clientID,
            "allow.auto.create.topics": "false",
            "socket.connection.setup.timeout.ms": "5000",
            "reconnect.backoff.ms": "50",
            "reconnect.backoff.max.ms": "1000",
            "topic.metadata.refresh.interval.ms": "10000",
        ]
    }
}
