internal import CRDKafka
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

    func set(_ key: String, _ value: String) throws {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, key, value, &errorBuffer, errorBuffer.count)
        guard result == RD_KAFKA_CONF_OK else {
            throw KafkaError(kind: .configuration, code: Int32(result.rawValue),
                             message: "\(key)=\(value): \(String(nulTerminated: errorBuffer))")
        }
    }

    /// Called once `rd_kafka_new` succeeded: the configuration now belongs to the client handle.
    func relinquish() { pointer = nil }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }
}
