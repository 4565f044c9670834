import Foundation
import PedidosDomain
import Logging
import Metrics
import PedidosKafka
import PedidosSupport

extension PedidoTopics {
    /// The dead-letter topic: records a consumer could not decode (`pedidos-dlq`, under the prefix).
    public var deadLetter: String { prefix + DeadLetterPublisher.topicName }
}

/// Sends a consumed record that cannot be processed (not JSON, not conforming to
/// `kafka/pedido.schema.json`, an unknown major schema version, a state on the wrong topic) to the
/// dead-letter topic, unchanged (same key, value, headers and timestamp) plus headers naming where it
/// came from and why. The consumer stores the record's offset only after the broker acknowledged the
/// dead letter: a record is never skipped silently. Counted in `pedidos_dead_letters_total{topic,group}`.
/// `scripts/dlq.sh` lists and replays them (docs/operacion.md).
public struct DeadLetterPublisher: Sendable {
    /// Name of the dead-letter topic (without the test prefix).
    public static let topicName = "pedidos-dlq"

    /// Headers added to each dead letter.
    public enum Header {
        /// Topic the record was read from.
        public static let topic = "dlq-topico"
        /// Its partition (decimal).
        public static let partition = "dlq-particion"
        /// Its offset (decimal).
        public static let offset = "dlq-offset"
        /// Why it could not be processed (Spanish, at most 1000 bytes).
        public static let error = "dlq-error"
        /// Consumer group that dead-lettered it.
        public static let group = "dlq-grupo"
        /// When, ISO 8601 UTC.
        public static let time = "dlq-fecha"
        public static let all: Set<String> = [topic, partition, offset, error, group, time]
    }

    let producer: KafkaProducer
    let topic: String
    let group: String
    let logger: Logger

    public init(producer: KafkaProducer, topics: PedidoTopics, group: String, logger: Logger) {
        self.producer = producer
        self.topic = topics.deadLetter
        self.group = group
        self.logger = logger
    }

    /// The dead letter for `message`.
    public func record(for message: KafkaMessage, error: String) -> KafkaProducerRecord {
        var reason = error
        while reason.utf8.count > 1000 { reason.removeLast() }
        var headers = message.headers.filter { !Header.all.contains($0.key) }
        headers.append(KafkaHeader(key: Header.topic, value: message.topic))
        headers.append(KafkaHeader(key: Header.partition, value: String(message.partition)))
        headers.append(KafkaHeader(key: Header.offset, value: String(message.offset)))
        headers.append(KafkaHeader(key: Header.error, value: reason))
        headers.append(KafkaHeader(key: Header.group, value: group))
        headers.append(KafkaHeader(key: Header.time, value: ISO8601Timestamp.format(Date())))
        return KafkaProducerRecord(topic: topic, key: message.key, value: message.value, headers: headers,
                                   timestamp: message.timestamp)
    }

    /// Publishes the dead letter of `message` once and waits for the acknowledgement; false when the
    /// broker did not acknowledge it (the caller retries, keeping the record's offset unstored).
    public func publish(_ message: KafkaMessage, error: String) async -> Bool {
        do {
            try await producer.send(record(for: message, error: error))
        } catch let failure {
            logger.warning("dead letter not acknowledged; will retry", metadata: [
                "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
                "error": "\(failure)"])
            return false
        }
        Counter(label: "pedidos_dead_letters_total", dimensions: [("topic", message.topic), ("group", group)]).increment()
        logger.error("record sent to the dead-letter topic", metadata: [
            "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
            "dlq": "\(topic)", "error": "\(error)"])
        return true
    }

    /// Publishes until acknowledged (capped exponential backoff); false only when `stopped()` became true first.
    public func publishRetrying(_ message: KafkaMessage, error: String, stopped: @Sendable () -> Bool) async -> Bool {
        var attempt = 0
        while !stopped(), !Task.isCancelled {
            if await publish(message, error: error) { return true }
            attempt += 1
            let delay = Duration.milliseconds(min(2000, 50 << min(attempt, 6)))
            let deadline = ContinuousClock.now + delay
            while !stopped(), !Task.isCancelled, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        }
        return false
    }
}
