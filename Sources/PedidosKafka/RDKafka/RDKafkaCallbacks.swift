internal import CRDKafka
import Logging
import Synchronization

/// The Swift side of librdkafka's callbacks. An instance is installed as the handle's opaque and is kept
/// alive by the `RDKafkaClient` that owns the handle, so it outlives every callback.
final class RDKafkaCallbacks: Sendable {
    let logger: Logger
    /// Client-level errors. The flag is true for fatal errors (the handle is unusable afterwards).
    let onError: @Sendable (KafkaError, _ fatal: Bool) -> Void
    /// Consumer rebalances: called on the polling thread, which must (re)assign before returning.
    let onRebalance: (@Sendable (RDKafkaRebalance) -> Void)?

    init(
        logger: Logger,
        onError: @escaping @Sendable (KafkaError, Bool) -> Void = { _, _ in },
        onRebalance: (@Sendable (RDKafkaRebalance) -> Void)? = nil
    ) {
        self.logger = logger
        self.onError = onError
        self.onRebalance = onRebalance
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaCallbacks? {
        opaque.map { Unmanaged<RDKafkaCallbacks>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Installs the C trampolines on `config`.
    func install(on config: RDKafkaConfig, deliveryReports: Bool) {
        rd_kafka_conf_set_opaque(config.pointer, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(config.pointer) { handle, level, facility, buffer in
            guard let handle, let callbacks = RDKafkaCallbacks.from(rd_kafka_opaque(handle)) else { return }
            let text = "\(facility.map { String(cString: $0) } ?? "-"): \(buffer.map { String(cString: $0) } ?? "")"
            // syslog levels: 0-3 error, 4 warning, 5-6 notice/info, 7 debug.
            switch level {
            case ...3: callbacks.logger.error("librdkafka \(text)")
            case 4: callbacks.logger.warning("librdkafka \(text)")
            case 5...6: callbacks.logger.info("librdkafka \(text)")
            default: callbacks.logger.debug("librdkafka \(text)")
            }
        }
        rd_kafka_conf_set_error_cb(config.pointer) { handle, code, reason, opaque in
            guard let callbacks = RDKafkaCallbacks.from(opaque) else { return }
            var message = reason.map { String(cString: $0) } ?? String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(code)))
            let fatal = rd_kafka_resp_err_t(code) == RD_KAFKA_RESP_ERR__FATAL
            if fatal, let handle {
                var buffer = [CChar](repeating: 0, count: 512)
                let original = rd_kafka_fatal_error(handle, &buffer, buffer.count)
                message = "\(String(cString: rd_kafka_err2name(original))): \(String(nulTerminated: buffer))"
            }
            callbacks.onError(KafkaError(kind: fatal ? .fatal : KafkaError.kind(of: rd_kafka_resp_err_t(code)),
                                         code: code, message: message), fatal)
        }
        if onRebalance != nil {
            rd_kafka_conf_set_rebalance_cb(config.pointer) { handle, code, partitions, opaque in
                guard let handle, let partitions, let callbacks = RDKafkaCallbacks.from(opaque) else { return }
                callbacks.onRebalance?(RDKafkaRebalance(handle: handle, code: code,
                                                         list: RDKafkaTopicPartitionList(borrowing: partitions)))
            }
        }
        if deliveryReports {
            rd_kafka_conf_set_dr_msg_cb(config.pointer) { _, message, _ in
                guard let message, let opaque = message.pointee._private else { return }
                let promise = Unmanaged<DeliveryPromise>.fromOpaque(opaque).takeRetainedValue()
                let error = message.pointee.err
                if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                    let topic = String(cString: rd_kafka_topic_name(message.pointee.rkt))
                    promise.complete(.success(KafkaDeliveryReport(
                        topicPartition: TopicPartition(topic: topic, partition: message.pointee.partition),
                        offset: message.pointee.offset)))
                } else {
                    promise.complete(.failure(KafkaError(code: error, context: "delivery failed")))
                }
            }
        }
    }
}

/// One in-flight produce: resumed exactly once, by its delivery report, by a synchronous failure, by
/// ``DeliveryRegistry/failAll(_:)`` when its handle is retired before the report could be served, or once
/// one of its deadlines has passed (``DeliveryRegistry/takeOverdue(at:deadline:)``).
final class DeliveryPromise: Sendable {
    private let continuation: CheckedContinuation<KafkaDeliveryReport, any Error>
    private let completed = Atomic<Bool>(false)
    private let registries: [DeliveryRegistry]
    /// When a report this late means the handle is wedged.
    let reportDeadline: ContinuousClock.Instant
    /// When the caller stops waiting, if it set a deadline.
    let callerDeadline: ContinuousClock.Instant?

    /// Registers the promise in every one of `registries` (the handle's, and the caller deadlines' when
    /// there is one) until it completes.
    init(_ continuation: CheckedContinuation<KafkaDeliveryReport, any Error>, registries: [DeliveryRegistry],
         reportDeadline: ContinuousClock.Instant, callerDeadline: ContinuousClock.Instant?) {
        self.continuation = continuation
        self.registries = registries
        self.reportDeadline = reportDeadline
        self.callerDeadline = callerDeadline
        registries.forEach { $0.add(self) }
    }

    var isPending: Bool { !completed.load(ordering: .acquiring) }

    func complete(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        guard !completed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        registries.forEach { $0.remove(self) }
        continuation.resume(with: result.mapError { $0 as any Error })
    }
}

/// Promises still waiting for a delivery report: those of one producer handle, or those with a caller's
/// deadline.
final class DeliveryRegistry: Sendable {
    private let pending = Mutex<[ObjectIdentifier: DeliveryPromise]>([:])

    func add(_ promise: DeliveryPromise) { pending.withLock { $0[ObjectIdentifier(promise)] = promise } }
    func remove(_ promise: DeliveryPromise) { _ = pending.withLock { $0.removeValue(forKey: ObjectIdentifier(promise)) } }
    /// Whether no promise is registered.
    var isEmpty: Bool { pending.withLock { $0.isEmpty } }

    /// The promises whose `deadline` is at or before `now` (still registered: completing them removes them).
    func takeOverdue(at now: ContinuousClock.Instant, deadline: (DeliveryPromise) -> ContinuousClock.Instant?) -> [DeliveryPromise] {
        pending.withLock { pending in pending.values.filter { deadline($0).map { $0 <= now } ?? false } }
    }

    /// Fails every promise still waiting (their handle is going away and will serve no more reports).
    func failAll(_ error: KafkaError) {
        let promises = pending.withLock { pending in
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        promises.forEach { $0.complete(.failure(error)) }
    }
}
