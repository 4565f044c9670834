internal import CRDKafka

/// One rebalance callback of a consumer handle: what the group decided, for which partitions, and the
/// calls that apply it. Valid only during the callback (the partition list belongs to librdkafka), and
/// the callback must apply it (``take()``, ``release()`` or ``releaseAll()``) before returning.
struct RDKafkaRebalance {
    enum Change {
        /// The partitions are now this member's.
        case assigned
        /// The partitions are being taken away.
        case revoked
        /// The rebalance failed; the member should drop everything it has.
        case failed(KafkaError)
    }

    let change: Change
    let partitions: [TopicPartition]
    /// Whether the group uses the incremental (cooperative) protocol rather than the eager one.
    let isCooperative: Bool
    private let handle: OpaquePointer
    private let list: RDKafkaTopicPartitionList

    init(handle: OpaquePointer, code: rd_kafka_resp_err_t, list: RDKafkaTopicPartitionList) {
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: change = .assigned
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: change = .revoked
        default: change = .failed(KafkaError(code: code, context: "rebalance"))
        }
        self.handle = handle
        self.list = list
        partitions = list.partitions
        isCooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
    }

    /// Takes the assigned partitions (incrementally under the cooperative protocol).
    func take() {
        if isCooperative {
            if let error = rd_kafka_incremental_assign(handle, list.pointer) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(handle, list.pointer)
        }
    }

    /// Gives the revoked partitions back (all of them under the eager protocol).
    func release() {
        if isCooperative {
            if let error = rd_kafka_incremental_unassign(handle, list.pointer) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(handle, nil)
        }
    }

    /// Drops every partition of the member.
    func releaseAll() {
        rd_kafka_assign(handle, nil)
    }

    /// Applies the group's decision and nothing else.
    func apply() {
        switch change {
        case .assigned: take()
        case .revoked: release()
        case .failed: releaseAll()
        }
    }

    /// Resumes the listed partitions: librdkafka remembers an application pause across unassign and
    /// assign when a partition comes back to the same member.
    func resumeListed() {
        rd_kafka_resume_partitions(handle, list.pointer)
    }

    /// Commits the stored offsets synchronously; "nothing to commit" is not an error.
    func commitStored() -> KafkaError? {
        let result = rd_kafka_commit(handle, nil, 0)
        guard result != RD_KAFKA_RESP_ERR_NO_ERROR && result != RD_KAFKA_RESP_ERR__NO_OFFSET else { return nil }
        return KafkaError(code: result, context: "commit before revoke")
    }
}
