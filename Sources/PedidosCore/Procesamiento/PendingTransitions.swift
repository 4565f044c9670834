import Foundation
import Synchronization

/// The messages a processing stage has fetched but not yet moved on, per partition, in offset order.
///
/// Nothing here is committed: if the process dies, the group hands the partitions to another worker,
/// which re-reads them from the last committed offset. The structure also decides when a partition is
/// paused (its newest queued message is due later than the prefetch horizon) and resumed (it is due
/// within the horizon, so the next records are fetched before they are due and fire on time).
///
/// The consumer's pause and resume calls are made by ``enqueue(_:now:pause:)`` and
/// ``takeWork(now:resume:)`` while they hold the lock that records the decision: made afterwards, a
/// resume decided by the dispatcher could reach librdkafka before the pause the consume loop had just
/// decided, leaving the partition paused in librdkafka but not here, and so never resumed.
final class PendingTransitions: Sendable {
    /// One fetched message waiting for its due time. `pedido` is nil for an undecodable record, which
    /// is skipped (its offset stored) in order, once the records before it are done.
    struct Entry: Sendable {
        let message: KafkaMessage
        let pedido: Pedido?
        let due: Date
    }

    /// Due entries of one partition, handed out to be published; ``finish(_:)`` gives the partition back.
    struct Batch: Sendable {
        let partition: TopicPartition
        let entries: [Entry]
        /// Which life of the partition's queue the batch came from: a batch that outlives its partition
        /// (revoked, then perhaps assigned back with a new queue) must not touch the new queue.
        let epoch: UInt64
    }

    /// What the dispatcher should do next.
    struct Work: Sendable {
        var due: [TopicPartition: Batch] = [:]
        var resume: [TopicPartition] = []
        var nextWake: Date?
    }

    private struct PartitionQueue {
        let epoch: UInt64
        var entries: [Entry] = []
        var head = 0
        var inFlight = false
        var paused = false
        /// Lowest offset dropped because the queue was full: seek there before resuming.
        var seekTo: Int64?

        var isEmpty: Bool { head == entries.count }
        var count: Int { entries.count - head }
        var first: Entry? { isEmpty ? nil : entries[head] }
        var last: Entry? { isEmpty ? nil : entries[entries.count - 1] }

        mutating func popFirst(_ count: Int) {
            head += count
            if head > 1024 && head * 2 > entries.count {
                entries.removeFirst(head)
                head = 0
            }
        }
    }

    private let state = Mutex<[TopicPartition: PartitionQueue]>([:])
    private let epochs = Atomic<UInt64>(0)
    let capacityPerPartition: Int
    let horizon: Duration

    init(capacityPerPartition: Int, horizon: Duration) {
        self.capacityPerPartition = capacityPerPartition
        self.horizon = horizon
    }

    /// What to do with the partition after an enqueue.
    enum EnqueueResult: Equatable {
        /// Queued; pause the partition if `pause` is true.
        case queued(pause: Bool)
        /// The queue was full: the record was not kept and will be re-read after a seek once the queue
        /// drains; pause the partition if `pause` is true.
        case dropped(pause: Bool)
    }

    /// Appends a fetched message; `pause` is called (under the lock) when the partition must pause.
    func enqueue(_ entry: Entry, now: Date, pause: (TopicPartition) -> Void = { _ in }) -> EnqueueResult {
        state.withLock { queues in
            let partition = entry.message.topicPartition
            var queue = queues[partition] ?? PartitionQueue(epoch: epochs.add(1, ordering: .relaxed).newValue)
            defer { queues[partition] = queue }
            if queue.seekTo != nil || queue.count >= capacityPerPartition {
                queue.seekTo = min(queue.seekTo ?? entry.message.offset, entry.message.offset)
                let mustPause = !queue.paused
                queue.paused = true
                if mustPause { pause(partition) }
                return .dropped(pause: mustPause)
            }
            queue.entries.append(entry)
            let mustPause = !queue.paused && entry.due.timeIntervalSince(now) > horizon.seconds
            if mustPause {
                queue.paused = true
                pause(partition)
            }
            return .queued(pause: mustPause)
        }
    }

    /// Takes every due entry of partitions not already being worked on, lists paused partitions whose
    /// newest entry is now within the horizon (resumed through `resume`, under the lock, and listed),
    /// and says when to look again.
    func takeWork(now: Date, resume: (TopicPartition) -> Void = { _ in }) -> Work {
        state.withLock { queues in
            var work = Work()
            func wake(at date: Date) { work.nextWake = min(work.nextWake ?? date, date) }
            for (partition, var queue) in queues {
                if !queue.inFlight {
                    var dueCount = 0
                    while queue.head + dueCount < queue.entries.count, queue.entries[queue.head + dueCount].due <= now {
                        dueCount += 1
                    }
                    if dueCount > 0 {
                        work.due[partition] = Batch(partition: partition, entries: Array(queue.entries[queue.head..<(queue.head + dueCount)]),
                                                    epoch: queue.epoch)
                        queue.inFlight = true
                    } else if let first = queue.first {
                        wake(at: first.due)
                    }
                }
                if queue.paused {
                    let resumeAt = queue.last.map { $0.due.addingTimeInterval(-horizon.seconds) } ?? now
                    if resumeAt <= now && (queue.seekTo == nil || queue.isEmpty) {
                        queue.paused = false
                        resume(partition)
                        work.resume.append(partition)
                    } else if queue.seekTo == nil {
                        wake(at: resumeAt)
                    }
                }
                queues[partition] = queue
            }
            return work
        }
    }

    /// Marks the first `count` entries of `batch` done (they were acknowledged downstream) and releases
    /// the partition for the next batch. Returns the offset to seek to before resuming, if the queue
    /// overflowed and is now empty. A batch whose partition was revoked meanwhile changes nothing.
    func finish(_ batch: Batch, completed count: Int) -> Int64? {
        state.withLock { queues in
            let partition = batch.partition
            guard var queue = queues[partition], queue.epoch == batch.epoch else { return nil }
            queue.popFirst(count)
            queue.inFlight = false
            var seek: Int64?
            if queue.isEmpty, let target = queue.seekTo {
                seek = target
                queue.seekTo = nil
            }
            queues[partition] = queue
            return seek
        }
    }

    /// Forgets revoked partitions: another member owns them now and re-reads the uncommitted records.
    func drop(_ partitions: [TopicPartition]) {
        state.withLock { queues in partitions.forEach { queues[$0] = nil } }
    }

    /// Queued records per partition (for metrics).
    var depths: [TopicPartition: Int] { state.withLock { $0.mapValues(\.count) } }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
