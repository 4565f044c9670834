/// What a consumer hands to the application, in order.
///
/// Rebalances travel in the same sequence as messages so that an application dropping its state for
/// revoked partitions does so before it handles anything fetched under the new assignment.
public enum KafkaConsumerEvent: Sendable {
    /// A record from an assigned partition.
    case message(KafkaMessage)
    /// These partitions were assigned to this consumer (they start unpaused).
    case assigned([TopicPartition])
    /// These partitions were taken away; offsets stored for them were committed first. Any state the
    /// application kept for them (paused queues, timers) must be dropped: another member owns them now.
    case revoked([TopicPartition])
}
