/// What a consumer knows of its topics' ids (KIP-516), and which of its partitions that shows were deleted and
/// created again (or forgotten by a broker that keeps them only in memory). Pure bookkeeping: the
/// ``KafkaConsumer`` asks the broker and seeks; this decides what to ask and what to rewind.
///
/// Ids come from two places: the consumer asks for the ids of the topics it is assigned before it hands out
/// their first record (``topicsToAsk(now:)``, ``identified(_:asked:)``), and its check every second and every
/// lag query report them again (``renewedTopics(_:)``, ``confirm(_:except:)``); which partitions that makes
/// re-created is ``recreatedPartitions(watermarks:renewed:positions:stored:underReport:)``.
/// A topic only counts as re-created when it was seen before under another id: the first id seen has nothing
/// to compare with, which is why the ids are learnt at assignment and not left to the first lag query (a topic
/// deleted before that query was otherwise never rewound; docs/resultados/topicos-borrados-20261206).
struct TopicIdentities: Sendable {
    /// The id last seen for each topic.
    private(set) var known: [String: String] = [:]
    /// Topics of assigned partitions whose id was not known when they were assigned and has not been asked
    /// for successfully yet.
    private(set) var unidentified: Set<String> = []
    /// When ``topicsToAsk(now:)`` may answer again after it handed out topics (a failed request is retried then).
    private var nextAsk: ContinuousClock.Instant?

    /// How long to wait before asking again for ids a request did not bring.
    static let retryInterval: Duration = .seconds(1)

    /// Notes the topics of newly assigned partitions; those whose id is not known yet are to be asked for.
    mutating func assigned(_ topics: some Sequence<String>) {
        unidentified.formUnion(topics.filter { known[$0] == nil })
    }

    /// The topics to ask the broker for now (sorted), or none: nothing unidentified, or asked less than
    /// ``retryInterval`` ago. Handing topics out schedules the next ask.
    mutating func topicsToAsk(now: ContinuousClock.Instant) -> [String] {
        guard !unidentified.isEmpty else { return [] }
        if let nextAsk, now < nextAsk { return [] }
        nextAsk = now + Self.retryInterval
        return unidentified.sorted()
    }

    /// Stores the ids a request for `asked` brought (never replacing one already known: only
    /// ``confirm(_:except:)`` does, after the comparison). A topic the answer left out (no id, or gone) is not
    /// asked for again; the later checks learn it.
    mutating func identified(_ ids: [String: String], asked: [String]) {
        for (topic, id) in ids where known[topic] == nil { known[topic] = id }
        unidentified.subtract(asked)
    }

    /// The partitions among `watermarks` to rewind to their start: those of a `renewed` topic
    /// (``renewedTopics(_:)``), and those whose next offset (the larger of fetch position and stored offset)
    /// lies beyond the reported end by more than the broker may under-report it (`underReport`; Tansu reports
    /// the last batch's base offset + 1). The second rule is for brokers that give no ids.
    static func recreatedPartitions(watermarks: [TopicPartition: (low: Int64, high: Int64)],
                                    renewed: Set<String>,
                                    positions: [TopicPartition: Int64],
                                    stored: [TopicPartition: Int64],
                                    underReport: Int64) -> [TopicPartition: (low: Int64, high: Int64)] {
        watermarks.filter { partition, marks in
            if renewed.contains(partition.topic) { return true }
            let next = max(positions[partition] ?? -1, stored[partition] ?? -1)
            return next > marks.high + underReport
        }
    }

    /// Topics reported under another id than the one seen before.
    func renewedTopics(_ reportedIDs: [String: String]) -> Set<String> {
        Set(reportedIDs.filter { topic, id in known[topic].map { $0 != id } ?? false }.keys)
    }

    /// Takes the reported ids as the ones seen, except for the topics in `failed` (a rewind that failed keeps
    /// the old id, so the next check finds the topic renewed and tries again).
    mutating func confirm(_ reportedIDs: [String: String], except failed: Set<String>) {
        for (topic, id) in reportedIDs where !failed.contains(topic) { known[topic] = id }
    }

    /// Forgets everything: a new handle starts from the start of every partition (the broker that made it
    /// necessary forgot the group's offsets) and learns the ids afresh, so a lag query started with the old
    /// handle does not rewind the new one again once it has read the re-created partitions.
    mutating func forget() {
        self = TopicIdentities()
    }
}
