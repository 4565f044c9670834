import Dispatch
import Logging
import PedidosSupport
import Synchronization

/// A consumer-group member that hands out messages and rebalances as an `AsyncSequence`
/// (``KafkaConsumer/events``) and commits only what the application marked as processed.
///
/// Offsets: nothing is committed until the application calls ``storeOffset(_:)`` for a message it has
/// fully handled; stored offsets are committed every `auto.commit.interval.ms`, on ``commit()``, before a
/// partition is revoked, and on ``close()`` (at-least-once). All blocking librdkafka calls run on a
/// dedicated serial queue, never on the cooperative thread pool.
///
/// Broker restarts: when librdkafka reports every broker down after this member had partitions, the
/// consumer probes the cluster once a second and, as soon as a broker answers, replaces its handle with a
/// new one that joins the group afresh (the old one is destroyed without leaving the group, its callbacks ignored),
/// after handing out a ``KafkaConsumerEvent/revoked(_:)`` for everything it had. A broker that lost its
/// state (the embedded broker keeps groups and topics only in memory) otherwise leaves the old handle in a
/// group generation with no partitions, never rejoining; on a real cluster the cost is one rebalance
/// after a full outage, and stored offsets not yet committed are read again (at-least-once).
public final class KafkaConsumer: Sendable {
    private struct State {
        var pendingEvents: [KafkaConsumerEvent] = []
        var assigned: Set<TopicPartition> = []
        var paused: Set<TopicPartition> = []
        /// Next offset to commit per partition (last processed + 1).
        var stored: [TopicPartition: Int64] = [:]
        var closing = false
        var closed = false
        /// Generation of the handle in use; callbacks of a replaced handle change nothing.
        var generation = 0
        /// Whether this member ever got partitions (all brokers down before that is just start-up).
        var hasBeenAssigned = false
        /// The group gave this member its assignment (possibly empty) and no rebalance is under way.
        var settled = false
        /// All brokers were reported down: probe, and replace the handle once one answers.
        var brokersLost = false
        var nextProbe: ContinuousClock.Instant = .now
        /// When the handle was last replaced, until the new one gets its assignment.
        var replacedAt: ContinuousClock.Instant?
        /// The topics' ids (KIP-516): a new id under the same name means the topic was deleted and created
        /// again (or the broker forgot it), see ``identifyAssignedTopics()`` and ``queryLag(timeout:)``.
        var identities = TopicIdentities()
        /// When ``checkForRecreatedTopicsIfDue()`` next asks for the assigned topics' ids.
        var nextRecreationCheck: ContinuousClock.Instant = .now + KafkaConsumer.recreationCheckInterval
        /// A check for re-created topics is running (off the poll queue).
        var checkingRecreation = false
    }

    /// The state shared with the rebalance callback (a class, so the callback can hold it).
    private final class SharedState: Sendable {
        let mutex = Mutex(State())
        func withLock<R: Sendable>(_ body: (inout sending State) throws -> sending R) rethrows -> R { try mutex.withLock(body) }
    }

    private let clientBox: Mutex<RDKafkaClient>
    /// The handle in use (replaced after a broker restart, see the type's documentation).
    private var client: RDKafkaClient { clientBox.withLock { $0 } }
    /// Creates and subscribes a handle of the given generation.
    private let makeClient: @Sendable (_ generation: Int) throws -> RDKafkaClient
    private let logger: Logger
    private let state: SharedState
    private let queue: DispatchQueue
    /// The group this consumer belongs to.
    public let groupID: String

    /// - Parameters:
    ///   - topics: topics to subscribe to.
    ///   - properties: librdkafka overrides (e.g. `auto.offset.reset`).
    public init(
        configuration: KafkaConfiguration,
        groupID: String,
        topics: [String],
        properties: [String: String] = [:],
        logger: Logger
    ) throws {
        var all = configuration.commonProperties
        all.merge(configuration.profile.consumerProperties) { _, new in new }
        all.merge([
            "group.id": groupID,
            "enable.auto.commit": "true",
            "enable.auto.offset.store": "false",
            "auto.commit.interval.ms": "500",
            "auto.offset.reset": "earliest",
            "enable.partition.eof": "false",
            // librdkafka prefetches up to 64 MB by default: with a backlog that alone was most of a
            // service's memory. 8 MB still keeps every partition's fetches full.
            "queued.max.messages.kbytes": "8192",
        ]) { _, new in new }
        all.merge(configuration.properties) { _, new in new }
        all.merge(properties) { _, new in new }

        let state = SharedState()
        self.state = state
        self.logger = logger
        self.groupID = groupID
        self.queue = DispatchQueue(label: "kafka-consumer-\(groupID)")
        let properties = all
        makeClient = { generation in
            let callbacks = RDKafkaCallbacks(
                logger: logger,
                onError: { error, fatal in
                    if fatal { logger.error("consumer fatal error: \(error.message)") } else { logger.debug("consumer: \(error.message)") }
                    // Client-wide errors such as "all brokers down" come only here (an error callback is
                    // installed), never as consumed error events.
                    KafkaConsumer.noteBrokersDown(error, generation: generation, state: state)
                },
                onRebalance: { rebalance in
                    KafkaConsumer.rebalance(rebalance, generation: generation, state: state, logger: logger)
                })
            let client = try RDKafkaClient(kind: .consumer, properties: properties, callbacks: callbacks)
            try client.subscribe(topics)
            return client
        }
        clientBox = Mutex(try makeClient(0))
    }

    /// Whether the embedded broker keeps groups and committed offsets when it restarts
    /// (``EmbeddedBrokerStorage/isDurable``): then the handle rejoins by itself and is not replaced. A new
    /// handle waited there for minutes behind the old member the restarted broker still remembered (seen in
    /// `BrokerRestartFaultTests`), while the old handle rejoins. Only the embedded broker in memory, which
    /// forgets the group, needs a new handle.
    static var keepsGroupsAcrossRestarts: Bool { EmbeddedBrokerStorage.isDurable }

    /// Remembers an all-brokers-down report of the current handle of a member that had partitions.
    private static func noteBrokersDown(_ error: KafkaError, generation: Int, state: SharedState) {
        guard error.isAllBrokersDown, !keepsGroupsAcrossRestarts else { return }
        state.withLock { state in
            if state.generation == generation && state.hasBeenAssigned { state.brokersLost = true }
        }
    }

    /// How long a replacement handle may wait for its assignment before it is replaced again: a safety net.
    /// The replaced handle is abandoned, not closed (``RDKafkaClient/abandon()``), so a member the restarted
    /// broker still holds for it is dropped after `session.timeout.ms` (6 s on the embedded profile) and the
    /// new handle's assignment follows within seconds. When the old handle left instead, notificaciones' new
    /// handle got no partitions for minutes, replaced after replaced (the cause, a Tansu defect, is in
    /// `docs/resultados/reconciliador-fallo-20261202/`).
    static let rejoinDeadline: Duration = .seconds(45)

    /// After all brokers were down: once one answers again, rejoin with a new handle (on the poll queue).
    /// A new handle that gets no assignment within ``rejoinDeadline`` is replaced again.
    private func recoverIfBrokersReturned() {
        let now = ContinuousClock.now
        var retrying = false
        let probe = state.withLock { state -> Bool in
            if let replacedAt = state.replacedAt, !state.settled, !state.closing, now - replacedAt > Self.rejoinDeadline {
                state.replacedAt = nil
                state.brokersLost = true
                retrying = true
            }
            guard state.brokersLost, !state.closing, now >= state.nextProbe else { return false }
            state.nextProbe = now + .seconds(1)
            return true
        }
        if retrying {
            logger.warning("consumer: the new handle got no partitions within the rejoin deadline; replacing it again",
                           metadata: ["group": "\(groupID)", "deadline": "\(Self.rejoinDeadline)"])
        }
        guard probe, (try? client.metadata(timeoutMilliseconds: 1000)) != nil else { return }
        let generation = state.withLock { $0.generation } + 1
        let fresh: RDKafkaClient
        do {
            fresh = try makeClient(generation)
        } catch {
            logger.error("consumer: cannot create a new handle after the broker came back; retrying", metadata: ["error": "\(error)"])
            return
        }
        let revoked = state.withLock { state -> [TopicPartition] in
            let revoked = Array(state.assigned)
            state.generation = generation
            state.brokersLost = false
            state.replacedAt = ContinuousClock.now
            state.settled = false
            state.assigned = []
            state.paused = []
            state.stored = [:]
            // The new handle starts where the group committed, which the forgetful broker no longer has:
            // from the start of each partition. Topic ids are learnt afresh (``TopicIdentities/forget()``).
            state.identities.forget()
            if !revoked.isEmpty { state.pendingEvents.append(.revoked(revoked)) }
            return revoked
        }
        let old = clientBox.withLock { client -> RDKafkaClient in
            defer { client = fresh }
            return client
        }
        logger.warning("consumer: the broker is back after all brokers were down; rejoining the group with a new handle",
                       metadata: ["group": "\(groupID)", "generation": "\(generation)", "revoked": "\(revoked.count)"])
        // Not `consumerClose()`: the old handle may lead the broker's new group, and leaving would stall it.
        old.abandon()
    }

    /// Applies a rebalance on the polling thread and queues the matching event for the application.
    private static func rebalance(_ rebalance: RDKafkaRebalance, generation: Int, state: SharedState, logger: Logger) {
        let partitions = rebalance.partitions
        guard state.withLock({ $0.generation == generation }) else {
            // A replaced handle leaving the group: let it finish, change nothing.
            rebalance.apply()
            return
        }
        switch rebalance.change {
        case .assigned:
            rebalance.take()
            // An assigned partition must start flowing, as the event promises, even if this member had
            // paused it before it was taken away.
            rebalance.resumeListed()
            state.withLock { state in
                if !rebalance.isCooperative { state.assigned = [] ; state.paused = [] }
                state.assigned.formUnion(partitions)
                state.identities.assigned(partitions.map(\.topic))
                if !partitions.isEmpty { state.hasBeenAssigned = true }
                state.settled = true
                state.replacedAt = nil
                state.pendingEvents.append(.assigned(partitions))
            }
            logger.info("partitions assigned", metadata: ["partitions": "\(partitions.sorted())"])
        case .revoked:
            // Hand over cleanly: whatever was processed is committed before another member takes over.
            if let error = rebalance.commitStored() { logger.warning("\(error.message)") }
            rebalance.release()
            state.withLock { state in
                state.assigned.subtract(partitions)
                // An eager rebalance takes everything away before handing out the new assignment.
                if !rebalance.isCooperative { state.settled = false }
                state.paused.subtract(partitions)
                for partition in partitions { state.stored[partition] = nil }
                state.pendingEvents.append(.revoked(partitions))
            }
            logger.info("partitions revoked", metadata: ["partitions": "\(partitions.sorted())"])
        case .failed(let error):
            logger.error("\(error.message)")
            rebalance.releaseAll()
            state.withLock { state in
                let lost = Array(state.assigned)
                state.settled = false
                state.assigned = []
                state.paused = []
                state.stored = [:]
                if !lost.isEmpty { state.pendingEvents.append(.revoked(lost)) }
            }
        }
    }

    // MARK: Consuming

    /// Messages and rebalances, in order. Ends when the consumer is closed. Iterate from one task only.
    public var events: Events { Events(consumer: self) }

    /// The `AsyncSequence` of ``KafkaConsumerEvent``.
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = KafkaConsumerEvent
        let consumer: KafkaConsumer

        public struct AsyncIterator: AsyncIteratorProtocol {
            let consumer: KafkaConsumer
            public mutating func next() async throws -> KafkaConsumerEvent? {
                try await consumer.nextEvent()
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(consumer: consumer) }
    }

    /// Waits (on the consumer's own queue) for the next event; `nil` once closed or cancelled.
    func nextEvent() async throws -> KafkaConsumerEvent? {
        let cancellation = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { [self] in
                    continuation.resume(with: Result { try pollUntilEvent(cancel: cancellation) })
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// Polls in short slices so that close and cancellation are noticed within ~100 ms.
    private func pollUntilEvent(cancel: CancellationFlag) throws -> KafkaConsumerEvent? {
        while true {
            identifyAssignedTopics()
            checkForRecreatedTopicsIfDue()
            let (event, stop) = state.withLock { state -> (KafkaConsumerEvent?, Bool) in
                if !state.pendingEvents.isEmpty { return (state.pendingEvents.removeFirst(), false) }
                return (nil, state.closing || state.closed)
            }
            if let event { return event }
            if stop || cancel.isCancelled { return nil }
            recoverIfBrokersReturned()
            let client = self.client
            // Messages and rebalances end the wait at once; the timeout paces the stop and recovery checks
            // above (and how often an idle consumer wakes up).
            switch client.consumerPoll(timeoutMilliseconds: 250) {
            case .message(let message):
                // A rebalance served by this very poll comes first.
                let pending = state.withLock { state -> KafkaConsumerEvent? in
                    state.pendingEvents.append(.message(message))
                    return state.pendingEvents.removeFirst()
                }
                if let pending { return pending }
            case .error(let error):
                if error.kind == .fatal { throw error }
                logger.debug("consume: \(error.message)")
            case .nothing:
                continue
            }
        }
    }

    /// Learns the ids of the topics of newly assigned partitions, before any of their records is handed
    /// out (one DescribeTopics round trip, on the poll queue, once per assignment). Without it the first id
    /// a consumer knew came from its first successful lag query: a topic deleted and created again before
    /// that was first seen under its new id, so nothing was rewound, and the consumer waited past the new
    /// partitions' end. notificaciones (a query every 5 s, which fails whole when one of its 24 round trips
    /// does) missed the four state topics deleted 5 and 7 s after a new handle's assignment in 2 of 5 local
    /// runs of `ReconcilerFaultTests`: orders short of a transition for the test's whole 150 s in one, for
    /// 50 s in the other (docs/resultados/topicos-borrados-20261206). A failed request is retried a second
    /// later; a topic the answer leaves out (no id, or gone) is left to the lag queries.
    private func identifyAssignedTopics() {
        // Runs before every event: with nothing to identify it only looks at the set (no clock read).
        let (topics, generation) = state.withLock { state -> ([String], Int) in
            guard !state.identities.unidentified.isEmpty else { return ([], state.generation) }
            return (state.identities.topicsToAsk(now: .now), state.generation)
        }
        guard !topics.isEmpty else { return }
        let ids: [String: String]
        do {
            ids = try client.topicIDs(topics, timeoutMilliseconds: 1000)
        } catch {
            logger.debug("consumer: topic ids unavailable; asking again", metadata: ["error": "\(error)"])
            return
        }
        state.withLock { state in
            if state.generation == generation { state.identities.identified(ids, asked: topics) }
        }
    }

    /// How often the consumer asks for the ids of the topics it is assigned, to rewind the partitions of one
    /// deleted and created again (see ``checkForRecreatedTopicsIfDue()``).
    static let recreationCheckInterval: Duration = .seconds(1)

    /// Every ``recreationCheckInterval``, asks off the poll queue whether an assigned topic has a new id and
    /// rewinds its partitions if so (``rewindRecreatedPartitions(_:topicIDs:positions:stored:)``): one
    /// DescribeTopics request, plus the watermarks of the re-created partitions when there are any. Before,
    /// only the lag queries looked, on the services' own schedules: notificaciones' monitor asks every 5 s, and
    /// its query fails whole while a topic is missing, so it rewound 6–11 s after the state topics were deleted
    /// (procesamiento, asking every 2 s, 4–6 s), and every order waited for it; now 2–4 s. It costs a tenth of a
    /// point of CPU at idle (docs/resultados/topicos-recreados-20261206).
    private func checkForRecreatedTopicsIfDue() {
        let due = state.withLock { state -> Bool in
            guard !state.checkingRecreation, !state.assigned.isEmpty, !state.brokersLost, !state.closing else {
                return false
            }
            let now = ContinuousClock.now
            guard now >= state.nextRecreationCheck else { return false }
            state.nextRecreationCheck = now + Self.recreationCheckInterval
            state.checkingRecreation = true
            return true
        }
        guard due else { return }
        Task {
            await checkForRecreatedTopics()
            state.withLock { $0.checkingRecreation = false }
        }
    }

    private func checkForRecreatedTopics() async {
        let client = self.client
        let (assigned, stored, generation) = state.withLock { ($0.assigned, $0.stored, $0.generation) }
        let topics = Array(Set(assigned.map(\.topic))).sorted()
        let ids: [String: String]
        do {
            ids = try await runBlocking { try client.topicIDs(topics, timeoutMilliseconds: 1000) }
        } catch {
            logger.debug("consumer: topic ids unavailable for the re-creation check", metadata: ["error": "\(error)"])
            return
        }
        let renewed = state.withLock { $0.identities.renewedTopics(ids) }
        guard !renewed.isEmpty else { return }
        let partitions = assigned.filter { renewed.contains($0.topic) }
        // Positions before watermarks, as in ``queryLag(timeout:)``.
        let positions = client.positions(Array(partitions))
        let answers = await Self.watermarksAtOnce(of: partitions, on: client, timeoutMilliseconds: 1000)
        // A topic is rewound whole or not at all: one with a partition whose ends are not known yet (its leader
        // may not be in this handle's metadata so soon after the topic came back) waits for the next check.
        var watermarks: [TopicPartition: (low: Int64, high: Int64)] = [:]
        var waiting: Set<String> = []
        for (partition, answer) in answers {
            switch answer {
            case .success(let marks): watermarks[partition] = marks
            case .failure(let error):
                waiting.insert(partition.topic)
                logger.debug("consumer: ends of a re-created partition unknown yet", metadata: [
                    "partition": "\(partition)", "error": "\(error)"])
            }
        }
        guard state.withLock({ $0.generation }) == generation else { return }
        await rewindRecreatedPartitions(watermarks.filter { !waiting.contains($0.key.topic) },
                                        topicIDs: ids.filter { !waiting.contains($0.key) },
                                        positions: positions, stored: stored)
    }

    // MARK: Offsets

    /// Marks `message` as processed: its offset + 1 will be committed. Fails if the partition is no
    /// longer assigned to this consumer (another member owns it now; do not treat the work as committed).
    public func storeOffset(_ message: KafkaMessage) throws {
        let partition = message.topicPartition
        try client.storeOffset(partition, nextOffset: message.offset + 1)
        state.withLock { state in
            if state.assigned.contains(partition) { state.stored[partition] = message.offset + 1 }
        }
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() async throws {
        let client = self.client
        try await runBlocking { try client.commitStored() }
    }

    /// The offsets the group has committed for `partitions` (asks the coordinator).
    public func committedOffsets(_ partitions: [TopicPartition], timeout: Duration = .seconds(5)) async throws -> [TopicPartition: Int64] {
        let client = self.client
        let milliseconds = timeout.int32Milliseconds
        return try await runBlocking { try client.committed(partitions, timeoutMilliseconds: milliseconds) }
    }

    // MARK: Flow control

    /// Stops fetching from `partition` (others keep flowing) until ``resume(_:)``.
    public func pause(_ partition: TopicPartition) throws {
        try client.pause([partition])
        state.withLock { state in
            if state.assigned.contains(partition) { state.paused.insert(partition) }
        }
    }

    /// Resumes fetching from `partition`.
    public func resume(_ partition: TopicPartition) throws {
        try client.resume([partition])
        state.withLock { _ = $0.paused.remove(partition) }
    }

    /// Moves the fetch position of an assigned partition to `offset` (re-reading from there).
    public func seek(_ partition: TopicPartition, to offset: Int64, timeout: Duration = .seconds(5)) async throws {
        let client = self.client
        let milliseconds = timeout.int32Milliseconds
        try await runBlocking { try client.seek(partition, offset: offset, timeoutMilliseconds: milliseconds) }
    }

    /// Partitions currently assigned to this member.
    public var assignment: Set<TopicPartition> { state.withLock { $0.assigned } }

    /// Whether the group has given this member its assignment (possibly empty, when there are more
    /// members than partitions) and no rebalance is under way: records published now are fetched by the
    /// group without waiting for a join. Readiness (`GET /ready`) of the consuming services.
    public var isSettledInGroup: Bool { state.withLock { $0.settled } }

    /// Partitions currently paused by the application.
    public var pausedPartitions: Set<TopicPartition> { state.withLock { $0.paused } }

    /// Messages not yet processed per assigned partition: the high watermark last seen in fetch responses
    /// minus the next offset to commit (or the fetch position when nothing was stored yet).
    /// Computed locally from this consumer's own watermarks, with no broker round trip; a paused
    /// partition is not fetched, so its watermark (and this lag) is stale until it resumes — use
    /// ``queryLag(timeout:)`` where that matters.
    public func lag() -> [TopicPartition: Int64] {
        lag { partition in client.cachedWatermarks(partition) }
    }

    /// Like ``lag()``, but asks each partition's leader for its current high watermark (one round trip per
    /// partition, on a GCD thread), so paused partitions are counted right; a partition with nothing
    /// stored or fetched yet is measured from the group's committed offset.
    public func queryLag(timeout: Duration = .seconds(2)) async throws -> [TopicPartition: Int64] {
        let client = self.client
        let milliseconds = timeout.int32Milliseconds
        let assigned = assignment
        // Read before the watermarks: a high watermark only grows, so a position read first can exceed the
        // one read after only if the partition was re-created shorter (read after, a record consumed in
        // between would look like that).
        let positionsBefore = client.positions(Array(assigned))
        let storedBefore = state.withLock { $0.stored }
        let topics = Array(Set(assigned.map(\.topic))).sorted()
        let (watermarks, committed, topicIDs) = try await runBlocking {
            let marks = try Self.watermarks(of: assigned, on: client, timeoutMilliseconds: milliseconds)
            let committed = (try? client.committed(Array(assigned), timeoutMilliseconds: milliseconds)) ?? [:]
            let ids = (try? client.topicIDs(topics, timeoutMilliseconds: milliseconds)) ?? [:]
            return (marks, committed, ids)
        }
        await rewindRecreatedPartitions(watermarks, topicIDs: topicIDs, positions: positionsBefore, stored: storedBefore)
        return lag(committed: committed) { watermarks[$0] }
    }

    /// Rewinds to its start every assigned partition that was deleted and created again (or that the broker
    /// forgot, as an embedded broker in memory does when it restarts): a consumer would otherwise stay at its
    /// old position, and Tansu answers a fetch past the end with no records rather than
    /// `OFFSET_OUT_OF_RANGE`, so it would wait there until the new partition grew past it, skipping
    /// everything before. The new start is also stored, so the next commit does not put the group back.
    ///
    /// Which partitions count as re-created is for ``TopicIdentities`` to say: a new topic id (KIP-516), or a
    /// position beyond the reported end by more than the broker's possible under-report (Tansu reports the
    /// last batch's base offset + 1, so a caught-up consumer may be up to ``KafkaProfile/maximumBatchRecords``
    /// past it).
    /// Re-reading a re-created partition from its start is always safe here: every stage is idempotent.
    /// Runs with every ``queryLag(timeout:)`` and, for the partitions of a topic with a new id, every
    /// ``recreationCheckInterval`` (``checkForRecreatedTopicsIfDue()``).
    private func rewindRecreatedPartitions(_ watermarks: [TopicPartition: (low: Int64, high: Int64)],
                                           topicIDs: [String: String],
                                           positions: [TopicPartition: Int64], stored: [TopicPartition: Int64]) async {
        let renewed = state.withLock { $0.identities.renewedTopics(topicIDs) }
        let recreated = TopicIdentities.recreatedPartitions(
            watermarks: watermarks, renewed: renewed, positions: positions, stored: stored,
            underReport: Int64(KafkaProfile.maximumBatchRecords))
        var failed: Set<String> = []
        for (partition, marks) in recreated.sorted(by: { $0.key < $1.key }) {
            logger.warning("partition re-created behind this consumer: rewinding to its start", metadata: [
                "partition": "\(partition)", "position": "\(positions[partition] ?? -1)", "high": "\(marks.high)",
                "new_topic_id": "\(renewed.contains(partition.topic))",
            ])
            do {
                try await seek(partition, to: marks.low)
                try client.storeOffset(partition, nextOffset: marks.low)
                state.withLock { state in
                    if state.assigned.contains(partition) { state.stored[partition] = marks.low }
                }
            } catch {
                failed.insert(partition.topic)
                logger.warning("rewinding a re-created partition failed; retried on the next lag query",
                               metadata: ["partition": "\(partition)", "error": "\(error)"])
            }
        }
        // A topic whose rewind failed keeps its old id, so the next query tries again.
        state.withLock { $0.identities.confirm(topicIDs, except: failed) }
    }

    /// Low and high watermarks of every assigned partition, asked of each partition's leader.
    public func queryWatermarks(timeout: Duration = .seconds(2)) async throws -> [TopicPartition: (low: Int64, high: Int64)] {
        let client = self.client
        let milliseconds = timeout.int32Milliseconds
        let assigned = assignment
        return try await runBlocking { try Self.watermarks(of: assigned, on: client, timeoutMilliseconds: milliseconds) }
    }

    /// Low and high watermarks of `partitions`, one round trip to each partition's leader (blocking).
    private static func watermarks(of partitions: Set<TopicPartition>, on client: RDKafkaClient,
                                   timeoutMilliseconds: Int32) throws -> [TopicPartition: (low: Int64, high: Int64)] {
        try Dictionary(uniqueKeysWithValues: partitions.map {
            ($0, try client.queryWatermarks($0, timeoutMilliseconds: timeoutMilliseconds))
        })
    }

    /// Like ``watermarks(of:on:timeoutMilliseconds:)``, but the round trips all at once (one after the other,
    /// 24 took ~2 s), and a partition that does not answer maps to its error instead of failing the rest.
    private static func watermarksAtOnce(of partitions: Set<TopicPartition>, on client: RDKafkaClient,
                                         timeoutMilliseconds: Int32)
    async -> [TopicPartition: Result<(low: Int64, high: Int64), any Error>] {
        typealias Answer = (TopicPartition, Result<(low: Int64, high: Int64), any Error>)
        return await withTaskGroup(of: Answer.self) { group in
            for partition in partitions {
                group.addTask {
                    do {
                        let marks = try await runBlocking {
                            try client.queryWatermarks(partition, timeoutMilliseconds: timeoutMilliseconds)
                        }
                        return (partition, .success(marks))
                    } catch {
                        return (partition, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
    }

    private func lag(committed: [TopicPartition: Int64] = [:],
                     watermarks: (TopicPartition) -> (low: Int64, high: Int64)?) -> [TopicPartition: Int64] {
        let (assigned, stored) = state.withLock { ($0.assigned, $0.stored) }
        let positions = client.positions(Array(assigned))
        func valid(_ offset: Int64?) -> Int64? { offset.flatMap { $0 >= 0 ? $0 : nil } }
        var result: [TopicPartition: Int64] = [:]
        for partition in assigned {
            guard let marks = watermarks(partition) else { continue }
            // Next offset still to process: stored by the application, else the group's committed
            // offset, else where fetching stands; unknown (nothing committed or fetched) means the start.
            let done = stored[partition] ?? valid(committed[partition]) ?? valid(positions[partition]) ?? marks.low
            result[partition] = max(0, marks.high - done)
        }
        return result
    }

    // MARK: Shutdown

    /// Stops handing out events, commits stored offsets, and leaves the group. Safe to call twice.
    public func close() async {
        let alreadyClosing = state.withLock { state -> Bool in
            defer { state.closing = true }
            return state.closing
        }
        guard !alreadyClosing else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Runs after any in-progress poll slice: the queue is serial.
            queue.async { [self] in
                do { try client.commitStored() } catch { logger.warning("final commit failed: \(error)") }
                if let error = client.consumerClose() { logger.warning("close: \(error)") }
                state.withLock { $0.closed = true }
                continuation.resume()
            }
        }
    }
}
