import Foundation
import Testing
@testable import PedidosPostgres
@testable import PedidosSupport
@testable import PedidosDomain
@testable import NotificacionesService

/// The group-committed `sending`/`sent` marks of the outbox lanes (``OutboxMarks``) on the real
/// PostgreSQL: lanes marking at the same time share statements, and each lane still learns its own
/// outcome (marked, or refused because the row is no longer its own) and has its accepted mails recorded.
@Suite("outbox marks", .postgresServer(.shared))
struct OutboxMarksTests {
    typealias Support = NotificacionesTestSupport

    @Test("concurrent hand-overs share commits; each lane learns its own outcome and its accepted mails are recorded")
    func concurrentMarksShareCommits() async throws {
        let pool = try await Support.isolatedPool()
        let outbox = PostgresMailOutboxRepository(pool: pool, maxConcurrentMarks: 2)
        let base = Support.orderIDBase()
        let lanes = 24
        let ids = (0..<lanes).map { base + Int64($0) }
        for id in ids { try await MailOutboxTests.recordOrder(pool, id: id, recipient: Support.recipient("marcas"), states: [.recibido, .preparando]) }
        // Every lane's `recibido` mail was accepted earlier (its `sending` committed); its `preparando` mail is
        // claimed (lease in the future), except for the lanes whose mail someone else already handled. No row
        // is ever due, so no other test's worker takes them.
        let lost = Set(ids.filter { $0 % 3 == 0 })
        try await pool.execute(
            """
            UPDATE email_outbox SET next_attempt_at = now() + interval '1 minute',
                status = CASE WHEN state = 'recibido' THEN 'sending' WHEN order_id = ANY($2::bigint[]) THEN 'sent' ELSE 'pending' END
            WHERE order_id = ANY($1::bigint[])
            """, [PostgresArrayLiteral.integers(ids), PostgresArrayLiteral.integers(Array(lost))])
        let acceptedAt = Date(timeIntervalSince1970: 1_800_000_000.5)

        let outcomes = try await withThrowingTaskGroup(of: (Int64, Bool).self) { group in
            for id in ids {
                group.addTask {
                    let marked = try await outbox.markSending(
                        OutboxMail.Key(orderID: id, estado: .preparando),
                        recordingSent: [OutboxMail.Accepted(key: OutboxMail.Key(orderID: id, estado: .recibido), at: acceptedAt)])
                    return (id, marked)
                }
            }
            return try await group.reduce(into: [Int64: Bool]()) { $0[$1.0] = $1.1 }
        }

        for id in ids { #expect(outcomes[id] == !lost.contains(id), "order \(id)") }
        let rows = try await Support.outbox(pool, orders: ids)
        for row in rows {
            switch row.state {
            case "recibido": #expect(row.status == "sent" && row.attempts == 1, "accepted mail of \(row.order) recorded once")
            default: #expect(row.status == (lost.contains(row.order) ? "sent" : "sending"), "hand-over of \(row.order)")
            }
        }
        #expect(outbox.marks.flushes < lanes, "\(lanes) lanes marking together took \(outbox.marks.flushes) statements")
        await pool.close()
    }

    @Test("a lone lane's marks are one statement each, carrying the previous mail; recording nothing runs no statement")
    func ungroupedMarks() async throws {
        let pool = try await Support.isolatedPool()
        let outbox = PostgresMailOutboxRepository(pool: pool, maxConcurrentMarks: 1)
        let id = Support.orderIDBase()
        try await MailOutboxTests.recordOrder(pool, id: id, recipient: Support.recipient("marcas-solas"))
        try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() + interval '1 minute' WHERE order_id = $1", [.int64(id)])
        var previous: [OutboxMail.Accepted] = []
        for estado in Estado.allCases {
            let key = OutboxMail.Key(orderID: id, estado: estado)
            #expect(try await outbox.markSending(key, recordingSent: previous))
            previous = [OutboxMail.Accepted(key: key, at: Date())]
        }
        try await outbox.markSent(previous)
        try await outbox.markSent([])  // nothing to record: no statement
        #expect(outbox.marks.flushes == Estado.allCases.count + 1)
        #expect(try await Support.outbox(pool, orders: [id]).allSatisfy { $0.status == "sent" && $0.attempts == 1 })
        await pool.close()
    }

    /// Not a timing: the plan PostgreSQL chooses. A drain runs while the table's statistics (gathered when
    /// nearly every mail was `sent`) still say that almost nothing is `pending`; a hand-over that then
    /// reached its row through the partial index of pending mails read the whole backlog for every
    /// statement (676–680 mails/s, docs/rendimiento.md §3).
    @Test("a hand-over finds its rows by primary key even when the statistics say nothing is pending")
    func handOverUsesThePrimaryKey() async throws {
        let pool = try await Support.isolatedPool()
        try await pool.execute("""
            INSERT INTO orders (id, nombre, precio, correo, state, state_rank, updated_at)
            SELECT g, 'Prueba', '1.50', 'cliente' || g || '@plan.test', 'finalizado', 3, now() FROM generate_series(1, 2000) g
            """)
        try await pool.execute("""
            INSERT INTO order_transitions (order_id, state, entered_at, kafka_partition, kafka_offset)
            SELECT g, s, now(), 0, 0 FROM generate_series(1, 2000) g
            CROSS JOIN unnest(ARRAY['recibido', 'preparando', 'entregando', 'finalizado']) s
            """)
        try await pool.execute("""
            INSERT INTO email_outbox (order_id, state, recipient, subject, body, message_id, status, attempts, sent_at)
            SELECT order_id, state, 'cliente@plan.test', 'Asunto', 'Cuerpo', '<' || order_id || '-' || state || '@plan.test>',
                   'sent', 1, now() FROM order_transitions
            """)
        try await pool.execute("ANALYZE email_outbox")
        // A backlog the statistics do not know about, claimed by a lane (its lease in the future).
        try await pool.execute("""
            UPDATE email_outbox SET status = 'pending', sent_at = NULL, attempts = 0, next_attempt_at = now() + interval '1 minute'
            WHERE order_id > 1000
            """)
        let parameters = OutboxMarks.parameters([
            OutboxMarks.Request(sending: [OutboxMail.Key(orderID: 1500, estado: .preparando), OutboxMail.Key(orderID: 1500, estado: .entregando)],
                                sent: [OutboxMail.Accepted(key: OutboxMail.Key(orderID: 1500, estado: .recibido), at: Date())]),
            OutboxMarks.Request(sending: [OutboxMail.Key(orderID: 1501, estado: .preparando)], sent: []),
        ])
        func plan(_ statement: String) async throws -> String {
            try await pool.query("EXPLAIN " + statement, parameters).map { try $0.string("QUERY PLAN") }.joined(separator: "\n")
        }
        let marks = try await plan(OutboxMarks.statement)
        #expect(marks.contains("email_outbox_pkey"), "\(marks)")
        #expect(!marks.contains("email_outbox_due"), "\(marks)")
        // The scene is the one that misled the planner: the same statement with `status = 'pending'` reads
        // the partial index.
        let naive = OutboxMarks.statement.replacingOccurrences(
            of: "o.status NOT IN ('sending', 'sent', 'failed', 'uncertain')", with: "o.status = 'pending'")
        #expect(naive != OutboxMarks.statement)
        #expect(try await plan(naive).contains("email_outbox_due"))
        await pool.close()
    }
}
