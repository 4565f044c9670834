import Foundation
import Testing
@testable import PedidosCore

/// What whole-system tests check in PostgreSQL and the SMTP store, for orders mailed to one recipient
/// domain (unique per test, so tests sharing the database and the store stay isolated).
struct PipelineChecks: Sendable {
    let system: PipelineSystem
    let domain: String

    func pool() throws -> PostgresPool { try PostgresPool(url: TestEnvironment.databaseURL()) }

    /// Transition rows recorded for the domain's orders, as (order id, state) pairs.
    func transitions(pool: PostgresPool) async throws -> [(Int64, String)] {
        let rows = try await pool.query("""
            SELECT t.order_id, t.state FROM order_transitions t JOIN orders o ON o.id = t.order_id
            WHERE o.correo LIKE $1
            """, [.string("%@" + domain)])
        return try rows.map { (try $0.int64("order_id"), try $0.string("state")) }
    }

    func mails() throws -> [StoredMail] {
        try MailStore.shared().all().filter { $0.rcptTos.contains { $0.hasSuffix("@" + domain) } }
    }

    /// The longest time any of the domain's orders spent in `estado` (entry into the next state minus
    /// entry into this one, from the Kafka record timestamps that historial stores).
    func longestStay(in estado: Estado, pool: PostgresPool) async throws -> Double {
        let next = try #require(estado.next)
        let rows = try await pool.query("""
            SELECT coalesce(max(extract(epoch FROM b.entered_at - a.entered_at)), 0)::float8 AS s
            FROM order_transitions a JOIN order_transitions b ON b.order_id = a.order_id AND b.state = $2
            JOIN orders o ON o.id = a.order_id
            WHERE a.state = $1 AND o.correo LIKE $3
            """, [.string(estado.rawValue), .string(next.rawValue), .string("%@" + domain)])
        return try #require(rows.first).double("s")
    }

    /// Where unfinished orders stand: "state p<partition of that state's record>: count", for diagnosis.
    func stuck(pool: PostgresPool) async throws -> String {
        let rows = try await pool.query("""
            SELECT o.state, t.kafka_partition AS p, count(*) AS n FROM orders o
            JOIN order_transitions t ON t.order_id = o.id AND t.state = o.state
            WHERE o.correo LIKE $1 AND o.state <> 'finalizado' GROUP BY 1, 2 ORDER BY 1, 2
            """, [.string("%@" + domain)])
        return try rows.map { "\(try $0.string("state")) p\(try $0.int64("p")): \(try $0.int64("n"))" }.joined(separator: ", ")
    }

    /// Every order reaches finalizado with exactly four transitions and exactly four mails (distinct
    /// Message-IDs), and nothing is left in the outbox.
    func expectComplete(_ ids: [Int64], timeout: Duration = .seconds(60)) async throws {
        let pool = try pool()
        do {
            try await waitUntil("\(ids.count) orders with 4 transitions each", timeout: timeout, poll: .milliseconds(200)) {
                try await transitions(pool: pool).count >= ids.count * 4
            }
        } catch {
            Issue.record("stuck orders: \(try await stuck(pool: pool))")
            throw error
        }
        try await waitUntil("\(ids.count * 4) mails", timeout: timeout, poll: .milliseconds(200)) {
            try mails().count >= ids.count * 4
        }
        let rows = try await transitions(pool: pool)
        #expect(rows.count == ids.count * 4)
        #expect(Set(rows.map(\.0)) == Set(ids))
        #expect(rows.filter { $0.1 == Estado.finalizado.rawValue }.count == ids.count, "finalizado exactly once per order")
        let pending = try await pool.query("""
            SELECT count(*) AS n FROM email_outbox e JOIN orders o ON o.id = e.order_id
            WHERE o.correo LIKE $1 AND e.status <> 'sent'
            """, [.string("%@" + domain)])
        #expect(try pending.first?.int64("n") == 0)
        let received = try mails()
        #expect(received.count == ids.count * 4, "exactly four mails per order, no duplicates")
        #expect(Set(received.compactMap { $0.header("Message-ID") }).count == received.count)
        var perOrder: [String: Int] = [:]
        for mail in received { for rcpt in mail.rcptTos { perOrder[rcpt, default: 0] += 1 } }
        #expect(perOrder.values.allSatisfy { $0 == 4 }, "four mails to each order's address")
        for id in ids { #expect(try await system.estado(of: id) == .finalizado) }
        await pool.close()
    }
}
