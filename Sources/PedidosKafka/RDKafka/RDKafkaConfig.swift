internal import CRDKafka
import Foundation
import Logging

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new` (which takes ownership on success).
final class RDKafkaConfig {
    private(set) var pointer: OpaquePointer?

    init(properties: [String: String]) throws {
        pointer = rd_kafka_conf_new()
        // Sorted so that errors are reported in a stable order.
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            try set(key, value)
        }
    }

    /// Sets one property. A rejected value is never echoed in the error (it may be a password); librdkafka's
    /// own explanation names the property and what it expects.
    func set(_ key: String, _ value: String) throws {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, key, value, &errorBuffer, errorBuffer.count)
        guard result == RD_KAFKA_CONF_OK else {
            throw KafkaError(kind: .configuration, code: Int32(result.rawValue),
                             message: Self.redacting(value, in: String(nulTerminated: errorBuffer)))
        }
    }

    /// librdkafka's message quotes the rejected value (`Invalid value "…" for configuration property "…"`);
    /// it is replaced by `***`.
    static func redacting(_ value: String, in message: String) -> String {
        value.isEmpty ? message : message.replacingOccurrences(of: value, with: "***")
    }

    /// `message` with the values of secret-bearing properties (passwords, keys, JAAS and OAUTHBEARER
    /// configurations) replaced by `***`, for errors librdkafka reports when the client is created.
    static func redactingSecrets(of properties: [String: String], in message: String) -> String {
        let markers = ["password", "secret", "jaas", "oauthbearer.config", ".pem", "key"]
        return properties.reduce(message) { text, property in
            markers.contains(where: property.key.contains) ? redacting(property.value, in: text) : text
        }
    }

    /// Called once `rd_kafka_new` succeeded: the configuration now belongs to the client handle.
    func relinquish() { pointer = nil }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }
}
