internal import CRDKafka

/// Owns an `rd_kafka_topic_partition_list_t`, freed in `deinit`.
final class RDKafkaTopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    private let owned: Bool

    init(capacity: Int = 1) {
        pointer = rd_kafka_topic_partition_list_new(Int32(capacity))
        owned = true
    }

    /// Wraps a list owned by librdkafka (e.g. inside a callback); it is not freed here.
    init(borrowing pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
        owned = false
    }


    convenience init(_ partitions: [TopicPartition], offset: Int64? = nil) {
        self.init(capacity: partitions.count)
        for partition in partitions { add(partition, offset: offset) }
    }

    func add(_ topicPartition: TopicPartition, offset: Int64? = nil) {
        let element = rd_kafka_topic_partition_list_add(pointer, topicPartition.topic, topicPartition.partition)
        if let offset { element?.pointee.offset = offset }
    }

    /// The partitions with their offsets and per-partition errors.
    var elements: [(partition: TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        let count = Int(pointer.pointee.cnt)
        guard count > 0, let elems = pointer.pointee.elems else { return [] }
        return (0..<count).map { index in
            let element = elems[index]
            return (TopicPartition(topic: String(cString: element.topic), partition: element.partition),
                    element.offset, element.err)
        }
    }

    var partitions: [TopicPartition] { elements.map(\.partition) }

    deinit {
        if owned { rd_kafka_topic_partition_list_destroy(pointer) }
    }
}
