import Foundation
import ServiceLifecycle
import Synchronization
import Testing
@testable import PedidosPostgres
@testable import PedidosSMTP
@testable import PedidosSupport
@testable import PedidosDomain
@testable import NotificacionesService

/// The outbox's hand-over states on the real PostgreSQL: `pending` → `sending` just before the SMTP end
/// of data, and a `sending` row whose lease ended becomes `uncertain` and is never claimed again; the
/// batched `sent` marks; and the worker against the real SMTP server (connections kept, no duplicate,
/// `uncertain` when the sender dies between the server's `250` and the `sent` commit).
@Suite("mail outbox", .postgresServer(.shared))
struct MailOutboxTests {
    typealias Support = NotificacionesTestSupport

    @Test("strict mode (no re-sends): a row left sending past its lease turns uncertain and is never claimed again")
    func abandonedHandOverIsUncertain() async throws {
        let pool = try await Support.isolatedPool()
        let outbox = PostgresMailOutboxRepository(pool: pool, uncertainResends: 0)
        let id = Support.orderIDBase()
        let pedido = Pedido(id: id, nombre: "Prueba", precio: try Precio(literal: "1.50"),
                            correo: Support.recipient("incierto"), estado: .recibido)
        _ = try await PostgresTransitionStore(pool: pool, mailDomain: "pedidos.test")
            .record([PedidoTransition(pedido: pedido, enteredAt: Date(), partition: 0, offset: 0)])
        let key = OutboxMail.Key(orderID: id, estado: .recibido)
        // Not claimed (its next attempt is due, no lease): refused.
        #expect(try await outbox.markSending(key) == false)
        // As a claim does: the lease pushes next_attempt_at into the future.
        try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() + interval '1 minute' WHERE order_id = $1", [.int64(id)])
        #expect(try await outbox.markSending(key) == true)
        #expect(try await Self.status(pool, id) == "sending")
        #expect(try await outbox.markSending(key) == false, "handed over once only")

        // The sender died: its lease ends, the next claim (anyone's) turns the row uncertain.
        try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() - interval '1 second' WHERE order_id = $1", [.int64(id)])
        let claimed = try await outbox.claimDue(limit: 1, lease: .zero)
        #expect(!claimed.contains { $0.key == key })
        #expect(try await Self.status(pool, id) == "uncertain")
        #expect(try await outbox.markSending(key) == false)
        #expect(!(try await outbox.claimDue(limit: 1, lease: .zero)).contains { $0.key == key })

        let historial = try await PostgresPedidoRepository(pool: pool).historial(id: id)
        #expect(historial?.entradas.first?.correo?.estado == .incierto)
        await pool.close()
    }

    @Test("a sending commit records the previous mails sent in its transaction; a batched sent mark leaves other statuses alone")
    func batchedSentMarks() async throws {
        let pool = try await Support.isolatedPool()
        let outbox = PostgresMailOutboxRepository(pool: pool)
        let id = Support.orderIDBase()
        try await Self.recordOrder(pool, id: id, recipient: Support.recipient("lote"))
        // As a claim does: the lease pushes next_attempt_at into the future.
        try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() + interval '1 minute' WHERE order_id = $1", [.int64(id)])
        let keys = Estado.allCases.map { OutboxMail.Key(orderID: id, estado: $0) }
        func row(_ key: OutboxMail.Key) async throws -> (status: String, attempts: Int, sentAt: String?) {
            let row = try await pool.query(
                """
                SELECT status, attempts, to_char(sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS sent_at
                FROM email_outbox WHERE order_id = $1 AND state = $2
                """, [.int64(key.orderID), .string(key.estado.rawValue)])[0]
            return (try row.string("status"), try row.int("attempts"), try row.decode("sent_at", as: String?.self))
        }
        let first = Date(timeIntervalSince1970: 1_800_000_000.123)
        let second = Date(timeIntervalSince1970: 1_800_000_001.456)

        #expect(try await outbox.markSending(keys[0]) == true)
        #expect(try await outbox.markSending(keys[1], recordingSent: [OutboxMail.Accepted(key: keys[0], at: first)]) == true)
        #expect(try await row(keys[0]) == ("sent", 1, "2027-01-15T08:00:00.123Z"))
        #expect(try await row(keys[1]).status == "sending")

        // A refused hand-over (the row is already sending) still records what it carries, once only.
        #expect(try await outbox.markSending(keys[1], recordingSent: [OutboxMail.Accepted(key: keys[0], at: second)]) == false)
        #expect(try await row(keys[0]) == ("sent", 1, "2027-01-15T08:00:00.123Z"), "a mail recorded sent twice keeps its first record")

        // One statement for several mails; a row that became uncertain (its lease ended) stays uncertain.
        #expect(try await outbox.markSending(keys[2]) == true)
        try await pool.execute("UPDATE email_outbox SET status = 'uncertain' WHERE order_id = $1 AND state = $2",
                               [.int64(id), .string(keys[2].estado.rawValue)])
        try await outbox.markSent([OutboxMail.Accepted(key: keys[1], at: second), OutboxMail.Accepted(key: keys[2], at: second)])
        #expect(try await row(keys[1]) == ("sent", 1, "2027-01-15T08:00:01.456Z"))
        #expect(try await row(keys[2]) == ("uncertain", 0, nil))
        #expect(try await row(keys[3]) == ("pending", 0, nil))
        await pool.close()
    }

    @Test("the worker keeps its SMTP connections open across mails and records every accepted mail sent, once")
    func workerKeepsConnections() async throws {
        let pool = try await Support.isolatedPool()
        let recipient = Support.recipient("conexiones")
        let base = Support.orderIDBase()
        let ids = (0..<15).map { base + Int64($0) }
        for id in ids { try await Self.recordOrder(pool, id: id, recipient: recipient) }
        let clients = try (0..<2).map { _ in try SMTPClient(configuration: Self.smtpConfiguration(), logger: Support.logger) }
        try await Self.sendEveryMail(PostgresMailOutboxRepository(pool: pool), clients: clients, settings: .init(batchSize: 8),
                                     pool: pool, orders: ids, recipient: recipient)

        var sent = 0
        var opened = 0
        for client in clients {
            let statistics = await client.statistics()
            sent += statistics.messagesSent
            opened += statistics.connectionsOpened
        }
        #expect(sent >= 60)
        #expect(opened <= clients.count, "one connection per lane for \(sent) mails, got \(opened)")
        await pool.close()
    }

    @Test("a lane marks the mails it took in one commit (or, in the strict mode's setting, each mail alone); every mail sent once",
          arguments: [nil, 1] as [Int?])
    func takesAreMarkedTogether(mailsPerMark: Int?) async throws {
        let pool = try await Support.isolatedPool()
        let recipient = Support.recipient("tomas\(mailsPerMark ?? 0)")
        let base = Support.orderIDBase()
        let ids = (0..<15).map { base + Int64($0) }
        for id in ids { try await Self.recordOrder(pool, id: id, recipient: recipient) }
        let outbox = CountingOutbox(base: PostgresMailOutboxRepository(pool: pool))
        let clients = try (0..<2).map { _ in try SMTPClient(configuration: Self.smtpConfiguration(), logger: Support.logger) }
        try await Self.sendEveryMail(outbox, clients: clients, settings: .init(batchSize: 8, mailsPerMark: mailsPerMark),
                                     pool: pool, orders: ids, recipient: recipient)
        // One mail per commit (the behaviour before) would take 60; a take of several mails takes one.
        let (calls, keys) = outbox.sendingMarks
        #expect(keys == 60, "every mail marked once: \(keys)")
        if mailsPerMark == 1 {
            #expect(calls == 60, "one sending commit per mail: \(calls)")
        } else {
            #expect(calls <= 30, "\(calls) sending commits for 60 mails")
        }
        await pool.close()
    }

    @Test("with a backlog, a lane starts its next sending commit markLead mails before the end of the previous one: it carries the mails accepted before those, and never more than mailsPerMark + markLead rows are left sending",
          arguments: [1, 2, 3])
    func nextCommitStartsAheadOfTheLastTransfers(markLead: Int) async throws {
        let pool = try await Support.isolatedPool()
        let recipient = Support.recipient("solapadas\(markLead)")
        let base = Support.orderIDBase()
        let ids = [base, base + 1]
        for id in ids { try await Self.recordOrder(pool, id: id, recipient: recipient) }
        let outbox = CountingOutbox(base: PostgresMailOutboxRepository(pool: pool))
        let client = try SMTPClient(configuration: Self.smtpConfiguration(), logger: Support.logger)
        // One lane takes the eight mails at once and marks them four at a time.
        try await Self.sendEveryMail(outbox, clients: [client], settings: .init(batchSize: 8, mailsPerMark: 4, markLead: markLead),
                                     pool: pool, orders: ids, recipient: recipient)
        // Waiting for the last markLead mails of the first commit would make the second one carry more.
        let marks = outbox.marks
        #expect(marks.map(\.keys) == [4, 4], "\(marks)")
        #expect(marks.map(\.carried) == [0, 4 - markLead], "the second commit started \(markLead) mails ahead: \(marks)")
        // Rows `sending` once each commit is over (what a crash then leaves): marked so far, less recorded `sent`.
        var marked = 0, recorded = 0
        for mark in marks {
            marked += mark.keys
            recorded += mark.carried
            #expect(marked - recorded <= 4 + markLead, "\(marks)")
        }
        await pool.close()
    }

    @Test("with a backlog the claimer claims ahead, before the lanes run out of claimed rows; a claim that was not full does not")
    func claimsAheadOfABacklog() async throws {
        // Twelve mails; one lane taking four: claims of four rows.
        let (pool, claimer) = try await Self.claimer(orders: 3, recipient: "adelantados", lanes: 1, batchSize: 4)
        var taken = try await claimer.take()
        #expect(taken.count == 4)
        // The first claim was full: the next one runs without anyone asking; its rows are then taken without waiting.
        for claimsSoFar in 2...3 {
            try await waitUntil("claim \(claimsSoFar) started ahead") { await claimer.claims == claimsSoFar }
            let next = await claimer.takeClaimed()
            #expect(next.count == 4)
            taken += next
        }
        // The third claim was full too, so a fourth ran; it found nothing, and nothing more is claimed.
        try await waitUntil("the claim that finds nothing") { await claimer.claims == 4 }
        #expect(await claimer.takeClaimed().isEmpty)
        try await claimer.releaseUntaken(after: .zero)
        #expect(await claimer.claims == 4)
        #expect(Set(taken.map(\.mail.key)).count == 12, "every mail taken once")
        await pool.close()
    }

    @Test("a few due mails are spread over the lanes; in a backlog every take is a whole batch")
    func takeSizes() {
        // A trickle: a share per lane, at least one, at most a batch.
        #expect(OutboxClaimer.takeSize(available: 1, lanes: 8, batchSize: 16, backlog: false) == 1)
        #expect(OutboxClaimer.takeSize(available: 5, lanes: 8, batchSize: 16, backlog: false) == 1)
        #expect(OutboxClaimer.takeSize(available: 40, lanes: 8, batchSize: 16, backlog: false) == 5)
        #expect(OutboxClaimer.takeSize(available: 300, lanes: 8, batchSize: 16, backlog: false) == 16)
        // A backlog: whole batches, however far the current claim has been taken.
        for available in [128, 112, 67, 16] {
            #expect(OutboxClaimer.takeSize(available: available, lanes: 8, batchSize: 16, backlog: true) == 16)
        }
        #expect(OutboxClaimer.takeSize(available: 5, lanes: 8, batchSize: 16, backlog: true) == 5)
    }

    @Test("through a backlog of full claims every take is a whole batch, not a share that shrinks as the claim empties")
    func backlogTakesWholeBatches() async throws {
        // 64 mails; four lanes of four: claims of sixteen, all full, then one that finds nothing.
        let (pool, claimer) = try await Self.claimer(orders: 16, recipient: "lotes", lanes: 4, batchSize: 4)
        var takes: [Int] = []
        while true {
            let batch = try await claimer.take()
            if batch.isEmpty { break }
            takes.append(batch.count)
        }
        // Spreading would have taken 4, 3, 2, 1, 1, … of each claim.
        #expect(takes == Array(repeating: 4, count: 16), "\(takes)")
        await pool.close()
    }

    @Test("claiming ahead through a backlog keeps a few claims' rows in memory, not every row claimed so far")
    func claimingAheadIsBounded() async throws {
        // Four lanes taking two each: claims of eight rows, and a claim ahead whenever fewer than four are left.
        let (pool, claimer) = try await Self.claimer(orders: 20, recipient: "memoria", lanes: 4, batchSize: 2)
        var taken = 0, most = 0
        while true {
            let batch = try await claimer.take()
            if batch.isEmpty { break }
            taken += batch.count
            most = max(most, await claimer.claimedInMemory)
        }
        #expect(taken == 80)
        #expect(most <= 3 * 8, "at most \(most) of 80 claimed mails held at once")
        await pool.close()
    }

    @Test("release gives back the mails of a take whose transfer never started, and leaves a row claimed again since alone")
    func releaseRevertsUnsentMarks() async throws {
        let pool = try await Support.isolatedPool()
        let outbox = PostgresMailOutboxRepository(pool: pool)
        let id = Support.orderIDBase()
        try await Self.recordOrder(pool, id: id, recipient: Support.recipient("devolver"))
        let mails = try await outbox.claimDue(limit: 10, lease: .seconds(60)).filter { $0.key.orderID == id }
            .sorted { $0.key.estado < $1.key.estado }
        #expect(mails.count == 4)
        // One row stops being this claim's before the take is marked: the commit leaves it out.
        try await pool.execute("UPDATE email_outbox SET status = 'sent' WHERE order_id = $1 AND state = 'finalizado'", [.int64(id)])
        let marked = try await outbox.markSending(mails.map(\.key), recordingSent: [])
        #expect(marked == Set(mails.prefix(3).map(\.key)))

        // The first was handed over and then claimed again by someone else (its lease ended): a new lease end.
        try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() + interval '2 minutes' WHERE order_id = $1 AND state = 'recibido'",
                               [.int64(id)])
        try await outbox.release(Array(mails.prefix(3)), after: .zero)
        #expect(try await Self.status(pool, id, .recibido) == "sending", "another claim's row is left alone")
        #expect(try await Self.status(pool, id, .preparando) == "pending")
        #expect(try await Self.status(pool, id, .entregando) == "pending")
        #expect(try await Self.status(pool, id, .finalizado) == "sent")
        // Given back due at once: the next claim finds them.
        let again = try await outbox.claimDue(limit: 10, lease: .seconds(60)).filter { $0.key.orderID == id }
        #expect(Set(again.map(\.key)) == Set(mails[1...2].map(\.key)))
        await pool.close()
    }

    @Test("the lanes share their claims: a backlog takes one claim statement per lanes × batch rows, each row taken once")
    func sharedClaims() async throws {
        let pool = try await Support.isolatedPool()
        let outbox = PostgresMailOutboxRepository(pool: pool)
        let recipient = Support.recipient("reclamos")
        let base = Support.orderIDBase()
        let ids = (0..<50).map { base + Int64($0) }
        for id in ids { try await Self.recordOrder(pool, id: id, recipient: recipient) }
        let lanes = 8, batchSize = 8
        let claimer = OutboxClaimer(outbox: outbox, lanes: lanes, batchSize: batchSize, lease: .seconds(60))
        // Eight lanes take until nothing is due, as the worker's lanes do (without sending).
        let taken = try await withThrowingTaskGroup(of: [[OutboxClaimer.Claimed]].self) { group in
            for _ in 0..<lanes {
                group.addTask {
                    var batches: [[OutboxClaimer.Claimed]] = []
                    while true {
                        let batch = try await claimer.take()
                        if batch.isEmpty { return batches }
                        batches.append(batch)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let keys = taken.flatMap { $0.map(\.mail.key) }
        #expect(keys.count == 200 && Set(keys).count == 200, "every one of the 200 mails taken once: \(keys.count)")
        #expect(taken.allSatisfy { $0.count <= batchSize })
        // 200 rows in claims of 64: four that return rows, and the one that finds nothing left.
        let claims = await claimer.claims
        #expect(claims <= 200 / (lanes * batchSize) + 2, "\(claims) claim statements for 200 mails")
        // Every row is still claimed (its lease ahead): another claimer finds nothing.
        #expect(try await outbox.claimDue(limit: 10, lease: .seconds(60)).isEmpty)
        await pool.close()
    }

    @Test("rows claimed for the lanes and taken by none are given back, due at once")
    func untakenClaimsAreGivenBack() async throws {
        let pool = try await Support.isolatedPool()
        let outbox = PostgresMailOutboxRepository(pool: pool)
        let base = Support.orderIDBase()
        for id in [base, base + 1] { try await Self.recordOrder(pool, id: id, recipient: Support.recipient("devueltos")) }
        let claimer = OutboxClaimer(outbox: outbox, lanes: 2, batchSize: 8, lease: .seconds(60))
        let first = try await claimer.take()
        #expect(first.count == 4, "8 rows due, 2 lanes: a lane takes its share")
        try await claimer.releaseUntaken(after: .zero)
        #expect(await claimer.claims == 1, "a claim that was not full is not followed by one ahead")
        let again = try await outbox.claimDue(limit: 10, lease: .seconds(60))
        let all = Set([base, base + 1].flatMap { id in Estado.allCases.map { OutboxMail.Key(orderID: id, estado: $0) } })
        #expect(Set(again.map(\.key)) == all.subtracting(first.map(\.mail.key)))
        await pool.close()
    }

    @Test("strict mode (no re-sends): a sender that dies between the server's 250 and the sent commit leaves the row sending: it turns uncertain, never resent")
    func deathBeforeSentIsUncertain() async throws {
        let pool = try await Support.isolatedPool()
        let recipient = Support.recipient("muere")
        let id = Support.orderIDBase()
        try await Self.recordOrder(pool, id: id, recipient: recipient, states: [.recibido])
        let key = OutboxMail.Key(orderID: id, estado: .recibido)
        // The sender "dies" after the server accepted the mail: nothing it records as sent ever commits.
        let dying = DyingOutbox(base: PostgresMailOutboxRepository(pool: pool, uncertainResends: 0), orders: [id])
        let client = try SMTPClient(configuration: Self.smtpConfiguration(), logger: Support.logger)
        let group = ServiceGroup(services: [Self.worker(dying, clients: [client], settings: .init(batchSize: 8))],
                                 logger: Support.logger)
        let running = Task { try await group.run() }
        _ = try await MailStore.shared().waitForMessages(to: recipient, count: 1)
        try await waitUntil("the worker to try to record the mail sent") { dying.sentAttempts > 0 }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try await Self.status(pool, id) == "sending")

        // Its lease ends: the next claim turns the row uncertain, and no worker sends it again.
        try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() - interval '1 second' WHERE order_id = $1", [.int64(id)])
        #expect(!(try await PostgresMailOutboxRepository(pool: pool, uncertainResends: 0).claimDue(limit: 1, lease: .zero)).contains { $0.key == key })
        #expect(try await Self.status(pool, id) == "uncertain")
        let next = id + 1
        try await Self.recordOrder(pool, id: next, recipient: recipient, states: [.recibido])
        let healthy = ServiceGroup(services: [Self.worker(PostgresMailOutboxRepository(pool: pool, uncertainResends: 0), clients: [client],
                                                          settings: .init(batchSize: 8))], logger: Support.logger)
        let healthyRun = Task { try await healthy.run() }
        _ = try await Support.waitForAllSent(pool, orders: [next], expected: 1, recipient: recipient)
        await healthy.triggerGracefulShutdown()
        try await healthyRun.value
        let mails = try MailStore.shared().messages(to: recipient)
        #expect(mails.count == 2, "the uncertain mail once, the next one once")
        #expect(mails.filter { $0.header("Message-ID") == NotificationMail.messageID(orderID: id, estado: .recibido, domain: "pedidos.test") }.count == 1)
        #expect(try await Self.status(pool, id) == "uncertain")
        await pool.close()
    }

    // MARK: - Helpers

    /// The outbox status of one mail of order `id`.
    static func status(_ pool: PostgresPool, _ id: Int64, _ estado: Estado = .recibido) async throws -> String {
        try await pool.query("SELECT status FROM email_outbox WHERE order_id = $1 AND state = $2",
                             [.int64(id), .string(estado.rawValue)])[0].string("status")
    }

    /// A pool of its own with `orders` new orders (four mails each) for `recipient`, and a claimer over them.
    static func claimer(orders: Int, recipient: String, lanes: Int, batchSize: Int) async throws -> (PostgresPool, OutboxClaimer) {
        let pool = try await Support.isolatedPool()
        let base = Support.orderIDBase()
        for id in (0..<orders).map({ base + Int64($0) }) { try await recordOrder(pool, id: id, recipient: Support.recipient(recipient)) }
        let claimer = OutboxClaimer(outbox: PostgresMailOutboxRepository(pool: pool), lanes: lanes, batchSize: batchSize, lease: .seconds(60))
        return (pool, claimer)
    }

    /// Records transitions of a new order (one outbox row per state) for `recipient`.
    static func recordOrder(_ pool: PostgresPool, id: Int64, recipient: String, states: [Estado] = Estado.allCases) async throws {
        let store = PostgresTransitionStore(pool: pool, mailDomain: "pedidos.test")
        for (offset, estado) in states.enumerated() {
            let pedido = Pedido(id: id, nombre: "Prueba", precio: try Precio(literal: "1.50"), correo: recipient, estado: estado)
            _ = try await store.record([PedidoTransition(pedido: pedido, enteredAt: Date(), partition: 0, offset: Int64(offset))])
        }
    }

    static func smtpConfiguration() throws -> SMTPConfiguration {
        try SMTPConfiguration(url: TestEnvironment.smtpURL(), from: EmailAddress("pedidos@pedidos.test"))
    }

    /// Runs a worker over `clients` until every mail of `orders` (four each) is recorded `sent` — the last of
    /// each take too, without waiting for a stop — and checks that each was sent at its first attempt and
    /// arrived once; then stops the worker.
    static func sendEveryMail(_ outbox: any MailOutboxRepository, clients: [SMTPClient], settings: MailOutboxWorker.Settings,
                              pool: PostgresPool, orders ids: [Int64], recipient: String) async throws {
        let group = ServiceGroup(services: [worker(outbox, clients: clients, settings: settings)], logger: Support.logger)
        let running = Task { try await group.run() }
        let expected = ids.count * Estado.allCases.count
        let received = try await Support.waitForAllSent(pool, orders: ids, expected: expected, recipient: recipient)
        let rows = try await Support.outbox(pool, orders: ids)
        #expect(rows.allSatisfy { $0.attempts == 1 && $0.lastError == nil })
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(Set(received.compactMap { $0.header("Message-ID") }).count == expected)
        #expect(try MailStore.shared().messages(to: recipient).count == expected)
    }

    static func worker(_ outbox: any MailOutboxRepository, clients: [SMTPClient],
                       settings: MailOutboxWorker.Settings) -> MailOutboxWorker {
        MailOutboxWorker(outbox: outbox, clients: clients, sender: EmailAddress("pedidos@pedidos.test"), signal: WakeSignal(),
                         metrics: NotificacionesMetrics(topics: PedidoTopics(prefix: "outbox-tests-")), settings: settings,
                         logger: Support.logger)
    }
}

/// An outbox whose sender "dies" once the server accepted a mail: recording a mail `sent` (alone or
/// carried by the next `sending` commit) always fails, as if the process were gone. It only claims the
/// rows of `orders` (rows of other tests it happened to claim are given back at once).
private final class DyingOutbox: ForwardingOutbox {
    let base: PostgresMailOutboxRepository
    let orders: Set<Int64>
    private let attempts = Mutex(0)

    init(base: PostgresMailOutboxRepository, orders: Set<Int64>) {
        self.base = base
        self.orders = orders
    }

    var sentAttempts: Int { attempts.withLock { $0 } }

    func claimDue(limit: Int, lease: Duration) async throws -> [OutboxMail] {
        let claimed = try await base.claimDue(limit: limit, lease: lease)
        let others = claimed.filter { !orders.contains($0.key.orderID) }
        try await base.release(others, after: .zero)
        return claimed.filter { orders.contains($0.key.orderID) }
    }

    func markSending(_ keys: [OutboxMail.Key], recordingSent accepted: [OutboxMail.Accepted]) async throws -> Set<OutboxMail.Key> {
        guard accepted.isEmpty else { throw died() }
        return try await base.markSending(keys, recordingSent: [])
    }

    func markSent(_ accepted: [OutboxMail.Accepted]) async throws { throw died() }

    private func died() -> PostgresError {
        attempts.withLock { $0 += 1 }
        return PostgresError(.connectionLost, "the sender is gone")
    }
}

/// Records the `sending` commits the worker asks for (the mails each marks, and the accepted mails it
/// carries), passing everything through.
private final class CountingOutbox: ForwardingOutbox {
    let base: PostgresMailOutboxRepository
    private let recorded = Mutex<[(keys: Int, carried: Int)]>([])

    init(base: PostgresMailOutboxRepository) { self.base = base }

    /// Each `sending` commit, in the order they were asked for.
    var marks: [(keys: Int, carried: Int)] { recorded.withLock { $0 } }
    /// How many `sending` commits, and how many mails they marked in all.
    var sendingMarks: (calls: Int, keys: Int) { (marks.count, marks.reduce(0) { $0 + $1.keys }) }

    func markSending(_ keys: [OutboxMail.Key], recordingSent accepted: [OutboxMail.Accepted]) async throws -> Set<OutboxMail.Key> {
        recorded.withLock { $0.append((keys.count, accepted.count)) }
        return try await base.markSending(keys, recordingSent: accepted)
    }
}

/// A test outbox that passes to `base` every call it does not change itself.
private protocol ForwardingOutbox: MailOutboxRepository {
    var base: PostgresMailOutboxRepository { get }
}

extension ForwardingOutbox {
    func claimDue(limit: Int, lease: Duration) async throws -> [OutboxMail] { try await base.claimDue(limit: limit, lease: lease) }
    func markSending(_ keys: [OutboxMail.Key], recordingSent accepted: [OutboxMail.Accepted]) async throws -> Set<OutboxMail.Key> {
        try await base.markSending(keys, recordingSent: accepted)
    }
    func markSent(_ accepted: [OutboxMail.Accepted]) async throws { try await base.markSent(accepted) }
    func markUncertain(_ key: OutboxMail.Key, error: String, after: Duration) async throws {
        try await base.markUncertain(key, error: error, after: after)
    }
    func markRetry(_ key: OutboxMail.Key, error: String, after: Duration) async throws { try await base.markRetry(key, error: error, after: after) }
    func markFailed(_ key: OutboxMail.Key, error: String) async throws { try await base.markFailed(key, error: error) }
    func release(_ mails: [OutboxMail], after: Duration) async throws { try await base.release(mails, after: after) }
    func pendingCount() async throws -> Int { try await base.pendingCount() }
}
