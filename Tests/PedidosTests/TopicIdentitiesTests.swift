import Testing
@testable import PedidosKafka

/// The consumer's bookkeeping of topic ids and re-created partitions, without a broker (KafkaTests and
/// ReconcilerFaultTests cover the same rules against Tansu).
@Suite("topic identities: which partitions were re-created")
struct TopicIdentitiesTests {
    let origin = ContinuousClock.now
    let underReport: Int64 = 500
    let preparando0 = TopicPartition(topic: "preparando", partition: 0)
    let preparando1 = TopicPartition(topic: "preparando", partition: 1)
    let entregando0 = TopicPartition(topic: "entregando", partition: 0)

    /// Both partitions of `preparando` and the one of `entregando`, each with `high` records.
    func watermarks(high: Int64) -> [TopicPartition: (low: Int64, high: Int64)] {
        [preparando0: (0, high), preparando1: (0, high), entregando0: (0, high)]
    }

    func recreated(_ identities: TopicIdentities, reported: [String: String], high: Int64 = 80,
                   positions: [TopicPartition: Int64] = [:], stored: [TopicPartition: Int64] = [:]) -> Set<TopicPartition> {
        Set(TopicIdentities.recreatedPartitions(watermarks: watermarks(high: high), renewed: identities.renewedTopics(reported),
                                                positions: positions, stored: stored, underReport: underReport).keys)
    }

    @Test("the topics of an assignment are asked for once; ids learnt then make a deletion before any lag query count")
    func learntAtAssignment() {
        var identities = TopicIdentities()
        identities.assigned(["preparando", "preparando", "entregando"])
        let asked = identities.topicsToAsk(now: origin)
        #expect(asked == ["entregando", "preparando"])
        identities.identified(["preparando": "id-a", "entregando": "id-b"], asked: asked)
        #expect(identities.unidentified.isEmpty)
        #expect(identities.topicsToAsk(now: origin + .seconds(5)).isEmpty)
        // Deleted and created again before the first lag query (the bug of docs/resultados/topicos-borrados-20261206):
        // the query reports a new id for preparando, the same for entregando.
        #expect(recreated(identities, reported: ["preparando": "id-c", "entregando": "id-b"]) == [preparando0, preparando1])
    }

    @Test("without the ids of the assignment, the first id a lag query reports has nothing to compare with")
    func firstSightIsNotARecreation() {
        let identities = TopicIdentities()
        #expect(recreated(identities, reported: ["preparando": "id-c", "entregando": "id-b"]).isEmpty)
    }

    @Test("a failed request is asked again only after the retry interval; a topic the answer leaves out is not asked again")
    func retries() {
        var identities = TopicIdentities()
        identities.assigned(["preparando", "entregando"])
        #expect(identities.topicsToAsk(now: origin).count == 2)
        // The request failed: nothing identified; too soon to ask again, then asked again.
        #expect(identities.topicsToAsk(now: origin + TopicIdentities.retryInterval / 2).isEmpty)
        let again = identities.topicsToAsk(now: origin + TopicIdentities.retryInterval)
        #expect(again == ["entregando", "preparando"])
        // The broker gave no id for entregando: it is left to the lag queries, not asked every second forever.
        identities.identified(["preparando": "id-a"], asked: again)
        #expect(identities.unidentified.isEmpty)
        #expect(identities.known == ["preparando": "id-a"])
        #expect(identities.topicsToAsk(now: origin + .seconds(10)).isEmpty)
    }

    @Test("a topic already known is not asked for on a new assignment, and an ask never replaces a known id")
    func knownTopics() {
        var identities = TopicIdentities()
        identities.identified(["preparando": "id-a"], asked: ["preparando"])
        identities.assigned(["preparando", "entregando"])
        #expect(identities.unidentified == ["entregando"])
        identities.identified(["preparando": "id-new", "entregando": "id-b"], asked: ["entregando"])
        #expect(identities.known == ["preparando": "id-a", "entregando": "id-b"])
    }

    @Test("a lag query that reports the ids seen before rewinds nothing; one that confirms a new id makes it the one seen")
    func confirm() {
        var identities = TopicIdentities()
        identities.confirm(["preparando": "id-a", "entregando": "id-b"], except: [])
        #expect(recreated(identities, reported: ["preparando": "id-a", "entregando": "id-b"],
                          positions: [preparando0: 80, entregando0: 75]).isEmpty)
        #expect(identities.renewedTopics(["preparando": "id-c", "entregando": "id-b"]) == ["preparando"])
        identities.confirm(["preparando": "id-c", "entregando": "id-b"], except: [])
        #expect(recreated(identities, reported: ["preparando": "id-c", "entregando": "id-b"]).isEmpty)
    }

    @Test("a topic whose rewind failed keeps its old id, so the next lag query finds it re-created again")
    func failedRewindIsRetried() {
        var identities = TopicIdentities()
        identities.confirm(["preparando": "id-a", "entregando": "id-b"], except: [])
        let reported = ["preparando": "id-c", "entregando": "id-d"]
        identities.confirm(reported, except: ["preparando"])
        #expect(identities.known == ["preparando": "id-a", "entregando": "id-d"])
        #expect(recreated(identities, reported: reported) == [preparando0, preparando1])
    }

    @Test("without ids, a position beyond the end by more than the broker may under-report is a re-creation")
    func positionBeyondTheEnd() {
        let identities = TopicIdentities()
        let high: Int64 = 80
        // Caught up on a broker that reports the last batch's base offset + 1: within the margin, not re-created.
        #expect(recreated(identities, reported: [:], high: high,
                          positions: [preparando0: high + underReport], stored: [entregando0: high]).isEmpty)
        // One past the margin, by position or by stored offset: re-created (only that partition).
        #expect(recreated(identities, reported: [:], high: high, positions: [preparando0: high + underReport + 1]) == [preparando0])
        #expect(recreated(identities, reported: [:], high: high, stored: [entregando0: high + underReport + 1]) == [entregando0])
    }

    @Test("a new handle forgets every id: the ids it reads next are first sightings, and its assignment is asked for at once")
    func forget() {
        var identities = TopicIdentities()
        identities.assigned(["preparando"])
        _ = identities.topicsToAsk(now: origin)
        identities.identified(["preparando": "id-a"], asked: ["preparando"])
        identities.forget()
        #expect(identities.known.isEmpty)
        #expect(recreated(identities, reported: ["preparando": "id-c"]).isEmpty)
        identities.assigned(["preparando"])
        #expect(identities.topicsToAsk(now: origin) == ["preparando"])
    }
}
