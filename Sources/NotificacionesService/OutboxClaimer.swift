/// Claims due outbox rows for every lane of a ``MailOutboxWorker``: one claim statement feeds all the lanes
/// that need work, instead of one statement per lane.
///
/// When the recorder commits new rows it wakes every idle lane. With a claim per lane, eight lanes ran eight
/// claim statements for the dozen mails of one commit (at 100 orders/s: 6 600 claims for 12 000 mails in
/// 30 s, each 0.3 ms of execution and as much of planning in PostgreSQL, docs/rendimiento.md §3). Here the
/// first lane to ask claims up to `limit` rows (`lanes × batchSize`) and the others wait for that claim
/// and share its rows; a lane takes at most `batchSize`, and fewer when few are due, so a small commit's
/// mails still go out over several connections at once (``takeSize(available:lanes:batchSize:backlog:)``).
///
/// **Claiming ahead**: when the last claim came back full (a backlog) and fewer than half of a claim's rows
/// are left, the next claim starts right away, so the lanes find rows ready instead of all waiting for one
/// statement every `lanes × batchSize` mails. A trickle (a claim that was not full) never claims ahead.
///
/// Each mail keeps the instant its claim started, so a lane never starts a send that could outlive the
/// claim's lease (``MailOutboxWorker``). Rows claimed and taken by no lane are given back by
/// ``releaseUntaken(after:)`` when the worker stops (or, after a crash, become due when the lease ends,
/// as before).
actor OutboxClaimer {
    /// A claimed mail and when its claim started.
    struct Claimed: Sendable {
        let mail: OutboxMail
        let claimedAt: ContinuousClock.Instant
    }

    private let outbox: any MailOutboxRepository
    private let lanes: Int
    private let batchSize: Int
    private let lease: Duration
    /// Claimed and not yet taken, oldest first.
    private var ready: [Claimed] = []
    private var next = 0
    /// The claim statement in flight, which lanes arriving meanwhile wait for.
    private var inFlight: Task<Void, any Error>?
    /// Whether the last claim returned as many rows as it asked for (more may be due).
    private var lastClaimWasFull = false
    /// Claim statements run so far.
    private(set) var claims = 0

    /// - Parameters:
    ///   - lanes: the worker's lanes; a claim asks for `lanes × batchSize` rows.
    ///   - batchSize: most mails one lane takes at a time.
    init(outbox: any MailOutboxRepository, lanes: Int, batchSize: Int, lease: Duration) {
        self.outbox = outbox
        self.lanes = max(1, lanes)
        self.batchSize = max(1, batchSize)
        self.lease = lease
    }

    private var limit: Int { lanes * batchSize }
    /// Claimed mails held in memory, taken ones not yet dropped included (for tests).
    var claimedInMemory: Int { ready.count }
    private var available: Int { ready.count - next }

    /// Up to `batchSize` claimed mails for one lane, or none when nothing is due. Claims when nothing
    /// claimed is left (or waits for the claim in flight); throws what the claim threw.
    func take() async throws -> [Claimed] {
        // Twice at most: a full claim may have left more due rows than it returned.
        for _ in 0..<2 where available == 0 {
            if inFlight == nil {
                inFlight = Task { try await self.claim() }
            }
            try await inFlight?.value
            if available > 0 || !lastClaimWasFull { break }
        }
        return takeClaimed()
    }

    /// Up to `batchSize` mails already claimed, without waiting for a claim (none when none are left): a
    /// lane about to send the last mail it has takes its next mails here, so their `sending` commit runs
    /// during that transfer (``MailOutboxWorker``).
    func takeClaimed() -> [Claimed] {
        guard available > 0 else { return [] }
        let count = Self.takeSize(available: available, lanes: lanes, batchSize: batchSize, backlog: lastClaimWasFull)
        let taken = Array(ready[next..<(next + count)])
        next += count
        if next == ready.count {
            ready.removeAll(keepingCapacity: true)
            next = 0
        } else if next >= limit {
            // Claiming ahead appends before the rows run out: drop what was taken, or a backlog would
            // keep every claimed mail in memory.
            ready.removeFirst(next)
            next = 0
        }
        claimAheadIfBacklogged()
        return taken
    }

    /// How many of `available` claimed mails one lane takes. A few due mails are spread over the lanes (a
    /// share each, at least one), so a small commit's mails go out over several connections at once. In a
    /// backlog (the last claim came back full, and the next one is claimed ahead) every take is a whole
    /// batch: spreading there only made the takes shrink as the claim emptied (16, 14, 12 … 8 mails with
    /// 8 lanes of 16, 10.6 on average), and each take costs a `sending` commit and a hand-over wait.
    static func takeSize(available: Int, lanes: Int, batchSize: Int, backlog: Bool) -> Int {
        backlog ? min(batchSize, available) : min(batchSize, max(1, available / lanes))
    }

    /// Starts the next claim while rows are left, when the last claim was full and less than half of one is
    /// left. Its failure is not lost: a lane that finds nothing left waits for the claim and gets the error;
    /// otherwise the next claim simply runs again.
    private func claimAheadIfBacklogged() {
        guard inFlight == nil, lastClaimWasFull, available * 2 < limit else { return }
        inFlight = Task { try await self.claim() }
    }

    private func claim() async throws {
        defer { inFlight = nil }
        let claimedAt = ContinuousClock.now
        let rows = try await outbox.claimDue(limit: limit, lease: lease)
        claims += 1
        lastClaimWasFull = rows.count >= limit
        ready.append(contentsOf: rows.map { Claimed(mail: $0, claimedAt: claimedAt) })
    }

    /// Gives back the rows claimed and taken by no lane (due `after` from now); nothing is left claimed.
    /// A claim still in flight (claiming ahead) is waited for first, so its rows are given back too.
    func releaseUntaken(after delay: Duration) async throws {
        _ = try? await inFlight?.value
        guard available > 0 else { return }
        let mails = ready[next...].map(\.mail)
        ready.removeAll()
        next = 0
        try await outbox.release(mails, after: delay)
    }
}
