import Foundation
import NIOCore
import PedidosDomain
import PedidosKafka
import Synchronization

/// The messages a processing stage has fetched but not yet moved on, per partition, in offset order.
///
/// Nothing here is committed: if the process dies, the group hands the partitions to another worker,
/// which re-reads them from the last committed offset. The structure also decides, with its
/// ``PausePolicy``, when a partition is paused and when it is resumed (its newest queued record due
/// within the measured resume latency, so the following records are fetched before they are due), and
/// measures that latency: the time from a resume to the first record that was already waiting in the
/// broker when the partition was resumed.
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
        /// When the record reached this worker's queue (nil in tests that do not care).
        var receivedAt: Date? = nil

        /// When the record could fire: its due time, or its arrival if it arrived after that.
        var ready: Date { receivedAt.map { max($0, due) } ?? due }
    }

    /// Due entries of one partition, handed out to be published. Several batches of a partition may be
    /// published at once (a record due while an earlier batch waits for its acknowledgement is not held
    /// back by it), but they are finished in the order they were handed out (``finish(_:completed:)``).
    struct Batch: Sendable {
        let partition: TopicPartition
        let entries: [Entry]
        /// Which life of the partition's queue the batch came from: a batch that outlives its partition
        /// (revoked, then perhaps assigned back with a new queue) must not touch the new queue.
        let epoch: UInt64
        /// Position of the first entry in the partition's queue (counted since the queue was created).
        let start: UInt64
    }

    /// A seek back the consumer must make before the partition may be resumed (its queue overflowed).
    struct Seek: Sendable, Equatable {
        let partition: TopicPartition
        let offset: Int64
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
        /// Entries not done yet, oldest first. A done entry leaves at once, so the queue holds only live
        /// records (an array compacted every thousand done entries per partition kept up to ~45,000 records
        /// alive at 250 orders/s, for ~750 waiting: close to half of procesamiento's heap at its peak).
        var entries = CircularBuffer<Entry>()
        /// Position of the first entry since the queue was created.
        var headPosition: UInt64 = 0
        /// Entries from the first on handed out in batches not finished yet.
        var taken = 0
        /// The last finished batch was not fully acknowledged (broker trouble): until one is, hand out a
        /// new batch only when none is in flight, so an outage is probed, not flooded.
        var failing = false
        var paused = false
        /// Lowest offset dropped because the queue was full: the partition stays paused until the
        /// consumer has seeked back there (``PendingTransitions/seekCompleted(_:)``).
        var seekTo: Int64?
        /// When the partition was last resumed, until the first record after it arrives.
        var resumedAt: Date?
        /// Arrivals per second, smoothed over windows of about a second.
        var arrivalRate = 0.0
        var windowStart: Date?
        var windowCount = 0

        var isEmpty: Bool { entries.isEmpty }
        var count: Int { entries.count }
        var last: Entry? { entries.last }

        /// The first entry not handed out yet.
        var firstUntaken: Entry? { taken < entries.count ? entries[offset: taken] : nil }

        /// How many entries from `offset` on are due at `now`, counted in offset order up to the first one
        /// that is not.
        func dueCount(from offset: Int, now: Date) -> Int {
            var count = 0
            while offset + count < entries.count, entries[offset: offset + count].due <= now { count += 1 }
            return count
        }

        /// ``PendingTransitions/finish(_:completed:)`` on this partition's queue.
        mutating func finish(_ batch: Batch, completed count: Int) -> Finished {
            guard epoch == batch.epoch, headPosition == batch.start else { return Finished(done: 0, seek: nil) }
            entries.removeFirst(count)
            headPosition += UInt64(count)
            failing = count < batch.entries.count
            taken = failing ? 0 : taken - count
            guard isEmpty, let target = seekTo else { return Finished(done: count, seek: nil) }
            return Finished(done: count, seek: Seek(partition: batch.partition, offset: target, epoch: epoch))
        }

        mutating func countArrival(at now: Date) {
            guard let start = windowStart else {
                windowStart = now
                windowCount = 1
                return
            }
            windowCount += 1
            let elapsed = now.timeIntervalSince(start)
            if elapsed >= 1 {
                let measured = Double(windowCount) / elapsed
                arrivalRate = arrivalRate == 0 ? measured : (arrivalRate + measured) / 2
                windowStart = now
                windowCount = 0
            }
        }
    }

    private struct State {
        var queues: [TopicPartition: PartitionQueue] = [:]
        var resumeLatency = ResumeLatencyEstimate()
    }

    private let state: Mutex<State>
    private let epochs = Atomic<UInt64>(0)
    let policy: PausePolicy

    /// - Parameters:
    ///   - capacityPerPartition: most records one partition may hold (the memory bound).
    ///   - longWait: waits at least this long pause a partition even when memory would suffice.
    ///   - resumeLatency: the estimate to start from (its prior is used until the first measurement).
    init(capacityPerPartition: Int, longWait: Duration = .seconds(30), resumeLatency: ResumeLatencyEstimate = .init()) {
        policy = PausePolicy(capacity: capacityPerPartition, longWait: longWait)
        state = Mutex(State(resumeLatency: resumeLatency))
    }

    var capacityPerPartition: Int { policy.capacity }

    /// The resume latency planned with now (the measured upper estimate).
    var resumeLatency: Duration { state.withLock { $0.resumeLatency.value } }

    /// What to do with the partition after an enqueue.
    enum EnqueueResult: Equatable {
        /// Queued; the partition was paused if `pause` is true.
        case queued(pause: Bool)
        /// The queue was full: the record was not kept and will be re-read after a seek once the queue
        /// drains; the partition was paused if `pause` is true.
        case dropped(pause: Bool)
    }

    /// Appends a fetched message; `pause` is called (under the lock) when the partition must pause, and
    /// `measured` (under the lock: it must not call back into this object) with the resume latency and
    /// the new estimate when this is the first record after a resume that was already waiting in the
    /// broker at that moment.
    func enqueue(_ entry: Entry, now: Date, pause: (TopicPartition) -> Void = { _ in },
                 measured: (_ sample: Duration, _ estimate: Duration) -> Void = { _, _ in }) -> EnqueueResult {
        state.withLock { state in
            let partition = entry.message.topicPartition
            if state.queues[partition] == nil {
                state.queues[partition] = PartitionQueue(epoch: epochs.add(1, ordering: .relaxed).newValue)
            }
            let latency = state.resumeLatency.value
            // Mutated in place: a copy of the queue would share its entries and make every append copy them all.
            return Self.enqueue(entry, into: &state.queues[partition]!, now: now, policy: policy, latency: latency,
                                estimate: &state.resumeLatency, pause: pause, measured: measured)
        }
    }

    private static func enqueue(_ entry: Entry, into queue: inout PartitionQueue, now: Date, policy: PausePolicy,
                                latency: Duration, estimate: inout ResumeLatencyEstimate,
                                pause: (TopicPartition) -> Void, measured: (Duration, Duration) -> Void) -> EnqueueResult {
        let partition = entry.message.topicPartition
        if let resumedAt = queue.resumedAt {
            queue.resumedAt = nil
            if let timestamp = entry.message.timestamp, timestamp <= resumedAt {
                let sample = Duration.seconds(max(0, now.timeIntervalSince(resumedAt)))
                estimate.record(sample)
                measured(sample, estimate.value)
            }
        }
        queue.countArrival(at: now)
        if queue.seekTo != nil || queue.count >= policy.capacity {
            queue.seekTo = min(queue.seekTo ?? entry.message.offset, entry.message.offset)
            let mustPause = !queue.paused
            queue.paused = true
            if mustPause { pause(partition) }
            return .dropped(pause: mustPause)
        }
        queue.entries.append(entry)
        let mustPause = !queue.paused && policy.shouldPause(
            queued: queue.count, newestDue: entry.due, arrivalRate: queue.arrivalRate,
            resumeLatency: latency, now: now)
        if mustPause {
            queue.paused = true
            pause(partition)
        }
        return .queued(pause: mustPause)
    }

    /// Takes every due entry of partitions not already being worked on, lists paused partitions whose
    /// newest entry is now due within the resume latency (resumed through `resume`, under the lock, and
    /// listed), and says when to look again. A partition waiting for its seek back is not resumed.
    func takeWork(now: Date, resume: (TopicPartition) -> Void = { _ in }) -> Work {
        state.withLock { state in
            var work = Work()
            let latency = state.resumeLatency.value
            func wake(at date: Date) { work.nextWake = min(work.nextWake ?? date, date) }
            for (partition, var queue) in state.queues {
                // A failing partition waits for its batch in flight, whose finish wakes the dispatcher.
                let waitsForItsBatch = queue.failing && queue.taken > 0
                let from = queue.taken
                let dueCount = waitsForItsBatch ? 0 : queue.dueCount(from: from, now: now)
                if dueCount > 0 {
                    let entries = (from..<(from + dueCount)).map { queue.entries[offset: $0] }
                    work.due[partition] = Batch(partition: partition, entries: entries,
                                                epoch: queue.epoch, start: queue.headPosition + UInt64(queue.taken))
                    queue.taken += dueCount
                } else if !waitsForItsBatch, let next = queue.firstUntaken {
                    wake(at: next.due)
                }
                if queue.paused && queue.seekTo == nil {
                    let resumeAt = queue.last.map { policy.resumeAt(newestDue: $0.due, resumeLatency: latency) } ?? now
                    if resumeAt <= now {
                        queue.paused = false
                        queue.resumedAt = now
                        resume(partition)
                        work.resume.append(partition)
                    } else {
                        wake(at: resumeAt)
                    }
                }
                state.queues[partition] = queue
            }
            return work
        }
    }

    /// What finishing a batch did.
    struct Finished: Equatable {
        /// Entries of the batch now done, from its first on: store the offset of the last of them.
        var done: Int
        /// The seek the consumer must make before the partition can be resumed (the queue overflowed and
        /// is now empty); the partition stays paused until ``PendingTransitions/seekCompleted(_:)``.
        var seek: Seek?
    }

    /// Marks the first `count` entries of `batch` done (they were acknowledged downstream). Batches of a
    /// partition must be finished in the order they were handed out. When a batch was not completed, its
    /// remaining entries and every later entry are handed out again (later batches already published are
    /// then finished with `done == 0`: their records may be published twice, never skipped). A batch
    /// whose partition was revoked meanwhile changes nothing.
    func finish(_ batch: Batch, completed count: Int) -> Finished {
        // Mutated in place, like `enqueue`: a copy alive while entries are removed would share their storage
        // and make the removal copy them all.
        state.withLock { $0.queues[batch.partition]?.finish(batch, completed: count) } ?? Finished(done: 0, seek: nil)
    }

    /// The consumer has seeked back as `seek` asked: the partition may be resumed. Returns false if the
    /// partition's queue is no longer the one that asked (revoked meanwhile).
    @discardableResult
    func seekCompleted(_ seek: Seek) -> Bool {
        state.withLock { state in
            guard var queue = state.queues[seek.partition], queue.epoch == seek.epoch, queue.seekTo != nil else { return false }
            queue.seekTo = nil
            state.queues[seek.partition] = queue
            return true
        }
    }

    /// Whether `seek` is still wanted (its partition's queue has not been revoked meanwhile).
    func isWanted(_ seek: Seek) -> Bool {
        state.withLock { state in
            guard let queue = state.queues[seek.partition] else { return false }
            return queue.epoch == seek.epoch && queue.seekTo != nil
        }
    }

    /// Forgets revoked partitions: another member owns them now and re-reads the uncommitted records.
    func drop(_ partitions: [TopicPartition]) {
        state.withLock { state in partitions.forEach { state.queues[$0] = nil } }
    }

    /// Queued records per partition (for metrics).
    var depths: [TopicPartition: Int] { state.withLock { $0.queues.mapValues(\.count) } }

    /// All queued records (for metrics).
    var totalDepth: Int { state.withLock { $0.queues.values.reduce(0) { $0 + $1.count } } }
}
