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

    /// Reads `KAFKA_BROKERS`, `KAFKA_PROFILE` and `KAFKA_DEBUG` (librdkafka's `debug` contexts, e.g.
    /// `cgrp,topic`, logged at debug level); unknown profiles are an error, not a silent default.
    public init(environment: [String: String], clientID: String) throws {
        let profileName = environment["KAFKA_PROFILE"] ?? KafkaProfile.embedded.rawValue
        guard let profile = KafkaProfile(rawValue: profileName) else {
            throw KafkaError(kind: .configuration,
                             message: "KAFKA_PROFILE=\(profileName) is not one of \(KafkaProfile.allCases.map(\.rawValue))")
        }
        var properties: [String: String] = [:]
        if let debug = environment["KAFKA_DEBUG"], !debug.isEmpty { properties["debug"] = debug }
        self.init(brokers: environment["KAFKA_BROKERS"] ?? "127.0.0.1:19092", profile: profile, clientID: clientID,
                  properties: properties)
    }

    /// Properties shared by every client: bootstrap servers, client id, and fast failure detection
    /// (a dead broker is noticed within seconds, not minutes).
    var commonProperties: [String: String] {
        [
            "bootstrap.servers": brokers,
            "client.id": clientID,
            "socket.connection.setup.timeout.ms": "5000",
            "reconnect.backoff.ms": "50",
            "reconnect.backoff.max.ms": "1000",
            "topic.metadata.refresh.interval.ms": "10000",
        ]
    }
}
