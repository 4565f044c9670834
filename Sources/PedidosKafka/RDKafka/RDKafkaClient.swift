internal import CRDKafka
import Foundation
import PedidosSupport
import Synchronization

/// Owns one `rd_kafka_t` handle (producer or consumer) and is the only place that calls into it.
/// The handle is destroyed after `deinit`, on a thread of its own; after that no callback can fire.
///
/// `@unchecked Sendable`: librdkafka's handle API is thread-safe (produce, poll, pause, store offsets and
/// queries may be called from any thread); the only non-thread-safe step, destruction, happens in
/// `deinit` when no other reference exists.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let kind: Kind
    private let callbacks: RDKafkaCallbacks
    /// Set by ``abandon()``: destroy the consumer without leaving its group.
    private let abandoned = Atomic<Bool>(false)

    init(kind: Kind, properties: [String: String], callbacks: RDKafkaCallbacks) throws {
        let config = try RDKafkaConfig(properties: properties)
        callbacks.install(on: config, deliveryReports: kind == .producer)
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER,
                                         config.pointer, &errorBuffer, errorBuffer.count) else {
            throw KafkaError(kind: .configuration,
                             message: RDKafkaConfig.redactingSecrets(of: properties, in: String(nulTerminated: errorBuffer)))
        }
        config.relinquish()
        self.handle = handle
        self.kind = kind
        self.callbacks = callbacks
        if kind == .consumer {
            // Serve errors and rebalances from rd_kafka_consumer_poll instead of a separate main queue.
            rd_kafka_poll_set_consumer(handle)
        }
    }

    /// `rd_kafka_destroy` joins librdkafka's threads and may block for a while, so it runs on a thread of
    /// its own, never on the cooperative pool that may be releasing the last reference. The callbacks
    /// stay alive until it returns: librdkafka may still call them while it shuts down.
    deinit {
        let flags = abandoned.load(ordering: .relaxed) ? Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE) : 0
        let doomed = DoomedHandle(handle: handle, callbacks: callbacks, flags: flags)
        startThread(name: "kafka-destroy") { doomed.destroy() }
    }

    /// What a destroying thread needs; nothing else refers to the handle any more.
    private struct DoomedHandle: @unchecked Sendable {
        let handle: OpaquePointer
        let callbacks: RDKafkaCallbacks
        let flags: Int32
        func destroy() { withExtendedLifetime(callbacks) { rd_kafka_destroy_flags(handle, flags) } }
    }

    /// Marks a consumer to be destroyed, when its last reference goes, without leaving its group (no
    /// `LeaveGroup`, no final commit): the broker drops the member after `session.timeout.ms`.
    ///
    /// For a handle replaced after the embedded broker restarted empty. Such a handle may already have
    /// re-joined the broker's new, still-forming group as its leader; Tansu 0.6.0 removes a leader that
    /// leaves a forming group but keeps its id as the leader, so no member ever gets an assignment again
    /// (`docs/resultados/reconciliador-fallo-20261202/`). A leader that stops heartbeating is dropped, its
    /// leadership with it.
    func abandon() { abandoned.store(true, ordering: .relaxed) }

    // MARK: Producer

    /// Enqueues a record; `promise` is completed by the delivery report served by `poll`.
    func produce(_ record: KafkaProducerRecord, promise: DeliveryPromise) throws {
        let opaque = Unmanaged.passRetained(promise).toOpaque()
        var headers: OpaquePointer? = nil
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                if let value = header.value {
                    _ = value.withUnsafeBytes { rd_kafka_header_add(headers, header.key, -1, $0.baseAddress, $0.count) }
                } else {
                    rd_kafka_header_add(headers, header.key, -1, nil, 0)
                }
            }
        }
        let result: rd_kafka_resp_err_t = record.value.withUnsafeBytes { value in
            let valuePointer = UnsafeMutableRawPointer(mutating: value.baseAddress)
            let produce = { (key: UnsafeRawBufferPointer?) in
                pedidos_rd_kafka_produce(
                    self.handle, record.topic, record.partition ?? RD_KAFKA_PARTITION_UA,
                    key?.baseAddress, key?.count ?? 0, valuePointer, value.count,
                    record.timestamp?.kafkaMilliseconds ?? 0, headers, opaque)
            }
            if let key = record.key { return key.withUnsafeBytes { produce($0) } }
            return produce(nil)
        }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if let headers { rd_kafka_headers_destroy(headers) }
            Unmanaged<DeliveryPromise>.fromOpaque(opaque).release()
            throw KafkaError(code: result, context: "produce to \(record.topic) failed")
        }
    }

    /// Serves callbacks (delivery reports, errors, logs); blocks up to `timeoutMilliseconds`.
    @discardableResult
    func poll(timeoutMilliseconds: Int32) -> Int32 {
        rd_kafka_poll(handle, timeoutMilliseconds)
    }

    /// Waits until every queued record is acknowledged or failed.
    func flush(timeoutMilliseconds: Int32) -> KafkaError? {
        let result = rd_kafka_flush(handle, timeoutMilliseconds)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: result, context: "flush")
    }

    /// Fails every queued and in-flight record (their delivery reports then arrive through `poll`).
    func purgeAll() {
        _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    var outQueueLength: Int32 { rd_kafka_outq_len(handle) }

    // MARK: Consumer

    enum PollResult {
        case message(KafkaMessage)
        case error(KafkaError)
        case nothing
    }

    /// Polls the consumer queue; serves rebalance and error callbacks on the calling thread.
    func consumerPoll(timeoutMilliseconds: Int32) -> PollResult {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMilliseconds) else { return .nothing }
        defer { rd_kafka_message_destroy(message) }
        let raw = message.pointee
        guard raw.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let topic = raw.rkt.map { String(cString: rd_kafka_topic_name($0)) }
            return .error(KafkaError(code: raw.err, context: topic.map { "consume \($0)[\(raw.partition)]" }))
        }
        return .message(Self.copy(message))
    }

    private static func copy(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let raw = message.pointee
        let value = raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) } ?? []
        let key = raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer? = nil
        if rd_kafka_message_headers(message, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            var index = 0
            var name: UnsafePointer<CChar>? = nil
            var valuePointer: UnsafeRawPointer? = nil
            var size = 0
            while rd_kafka_header_get_all(headerList, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let headerValue = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: headerValue))
                index += 1
            }
        }
        return KafkaMessage(
            topic: String(cString: rd_kafka_topic_name(raw.rkt)), partition: raw.partition, offset: raw.offset,
            key: key, value: value, headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }

    func subscribe(_ topics: [String]) throws {
        let list = RDKafkaTopicPartitionList(capacity: topics.count)
        for topic in topics { list.add(TopicPartition(topic: topic, partition: RD_KAFKA_PARTITION_UA)) }
        let result = rd_kafka_subscribe(handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: result, context: "subscribe") }
    }

    /// Marks `offset` (the next offset to read, i.e. last processed + 1) for the next commit.
    func storeOffset(_ partition: TopicPartition, nextOffset: Int64) throws {
        let list = RDKafkaTopicPartitionList([partition], offset: nextOffset)
        let result = rd_kafka_offsets_store(handle, list.pointer)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: result, context: "store offset \(nextOffset) for \(partition)")
        }
        if let failed = list.elements.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError(code: failed.error, context: "store offset \(nextOffset) for \(partition)")
        }
    }

    /// Commits the stored offsets and waits for the broker's answer. "Nothing to commit" is not an error.
    func commitStored() throws {
        let result = rd_kafka_commit(handle, nil, 0)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR || result == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw KafkaError(code: result, context: "commit")
        }
    }

    func pause(_ partitions: [TopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        let result = rd_kafka_pause_partitions(handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: result, context: "pause") }
    }

    func resume(_ partitions: [TopicPartition]) throws {
        let list = RDKafkaTopicPartitionList(partitions)
        let result = rd_kafka_resume_partitions(handle, list.pointer)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: result, context: "resume") }
    }

    func seek(_ partition: TopicPartition, offset: Int64, timeoutMilliseconds: Int32) throws {
        let list = RDKafkaTopicPartitionList([partition], offset: offset)
        if let error = rd_kafka_seek_partitions(handle, list.pointer, timeoutMilliseconds) {
            defer { rd_kafka_error_destroy(error) }
            throw KafkaError(code: rd_kafka_error_code(error), context: "seek \(partition) to \(offset)")
        }
        if let failed = list.elements.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError(code: failed.error, context: "seek \(partition) to \(offset)")
        }
    }

    /// The next offset this consumer will read for each partition (negative when unknown).
    func positions(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        let list = RDKafkaTopicPartitionList(partitions)
        guard rd_kafka_position(handle, list.pointer) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
        return Dictionary(list.elements.map { ($0.partition, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    /// The committed offsets of this consumer's group (asks the group coordinator).
    func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32) throws -> [TopicPartition: Int64] {
        let list = RDKafkaTopicPartitionList(partitions)
        let result = rd_kafka_committed(handle, list.pointer, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: result, context: "committed") }
        return Dictionary(list.elements.map { ($0.partition, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    /// The low/high watermarks last seen in fetch responses (no broker round trip).
    func cachedWatermarks(_ partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_get_watermark_offsets(handle, partition.topic, partition.partition, &low, &high)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return (low, high)
    }

    /// Asks the partition leader for the current low/high watermarks (one round trip).
    func queryWatermarks(_ partition: TopicPartition, timeoutMilliseconds: Int32) throws -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let result = rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: result, context: "watermarks of \(partition)") }
        return (low, high)
    }

    /// Commits (when auto-commit is on) and leaves the group. Blocks until done.
    func consumerClose() -> KafkaError? {
        let result = rd_kafka_consumer_close(handle)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: result, context: "close")
    }

    // MARK: Metadata

    /// Asks the cluster for metadata; throws when no broker answers within the timeout.
    /// Returns the number of brokers and the partition count of each topic that exists.
    func metadata(timeoutMilliseconds: Int32) throws -> (brokers: Int, topics: [String: Int]) {
        var metadata: UnsafePointer<rd_kafka_metadata>? = nil
        let result = rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(code: result, context: "metadata request")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var topics: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            topics[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return (Int(metadata.pointee.broker_cnt), topics)
    }
}
