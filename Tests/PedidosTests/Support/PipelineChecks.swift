import Foundation
import Testing
@testable import PedidosPostgres
@testable import PedidosDomain

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

    /// Where unfinished orders stand: "state p<partition of that state's record>: count", for diagnosis;
    /// with `expected`, also how many of those orders notificaciones never recorded at all.
    func stuck(pool: PostgresPool, expected: [Int64] = []) async throws -> String {
        let rows = try await pool.query("""
            SELECT o.state, t.kafka_partition AS p, count(*) AS n FROM orders o
            JOIN order_transitions t ON t.order_id = o.id AND t.state = o.state
            WHERE o.correo LIKE $1 AND o.state <> 'finalizado' GROUP BY 1, 2 ORDER BY 1, 2
            """, [.string("%@" + domain)])
        var parts = try rows.map { "\(try $0.string("state")) p\(try $0.int64("p")): \(try $0.int64("n"))" }
        if !expected.isEmpty {
            let recorded = Set(try await pool.query("SELECT id FROM orders WHERE correo LIKE $1",
                                                    [.string("%@" + domain)]).map { try $0.int64("id") })
            let unrecorded = expected.filter { !recorded.contains($0) }
            if !unrecorded.isEmpty {
                parts.append("never recorded: \(unrecorded.count) (first ids \(unrecorded.sorted().prefix(5)))")
            }
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// Re-sends of interrupted hand-overs among the given orders' mails (`email_outbox.resends`).
    func resends(of ids: [Int64], pool: PostgresPool) async throws -> Int {
        let rows = try await pool.query("""
            SELECT coalesce(sum(resends), 0)::int8 AS n FROM email_outbox WHERE order_id = ANY($1::bigint[])
            """, [PostgresArrayLiteral.integers(ids)])
        return try rows.first?.int("n") ?? 0
    }

    /// Outbox rows of the given orders, counted by status.
    func outboxStatuses(of ids: [Int64], pool: PostgresPool) async throws -> [String: Int] {
        let rows = try await pool.query("""
            SELECT status, count(*) AS n FROM email_outbox WHERE order_id = ANY($1::bigint[]) GROUP BY status
            """, [PostgresArrayLiteral.integers(ids)])
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.string("status"), try $0.int("n")) })
    }

    /// The recipients of the given orders, as notificaciones recorded them.
    func addresses(of ids: [Int64], pool: PostgresPool) async throws -> Set<String> {
        Set(try await pool.query("SELECT correo FROM orders WHERE id = ANY($1::bigint[])",
                                 [PostgresArrayLiteral.integers(ids)]).map { try $0.string("correo") })
    }

    /// Orders of the domain other than `ids` (answered 503, yet their record reached the broker).
    func others(than ids: [Int64], pool: PostgresPool) async throws -> [Int64] {
        try await pool.query("SELECT id FROM orders WHERE correo LIKE $1 AND NOT (id = ANY($2::bigint[])) ORDER BY id",
                             [.string("%@" + domain), PostgresArrayLiteral.integers(ids)]).map { try $0.int64("id") }
    }

    /// Every order of `ids` reaches finalizado with exactly four transitions and four mails, none twice
    /// (distinct Message-IDs), and nothing is left in the outbox for them.
    ///
    /// - Parameters:
    ///   - inFlightMailsMayBeUncertain: a notificaciones process was killed: the mails it was handing over
    ///     at that instant (`sending`) may or may not have arrived; they are sent again with the same
    ///     Message-ID (`resends`), or left `uncertain` in strict mode. Every other mail must arrive exactly
    ///     once.
    ///   - refusedOrdersMayExist: the broker failed under the load, so an order answered `503` may still
    ///     exist (its record reached the broker, the acknowledgement came too late). Such orders, with their
    ///     own recipients (``RetryingLoad``), are counted and returned; otherwise the domain must hold
    ///     exactly `ids`.
    /// - Returns: the domain's orders other than `ids`.
    @discardableResult
    func expectComplete(_ ids: [Int64], timeout: Duration = .seconds(60), inFlightMailsMayBeUncertain: Bool = false,
                        refusedOrdersMayExist: Bool = false) async throws -> [Int64] {
        let pool = try pool()
        let accepted = Set(ids)
        do {
            try await waitUntil("\(ids.count) orders with 4 transitions each", timeout: timeout, poll: .milliseconds(200)) {
                try await transitions(pool: pool).filter { accepted.contains($0.0) }.count >= ids.count * 4
            }
        } catch {
            Issue.record("stuck orders: \(try await stuck(pool: pool, expected: ids))")
            throw error
        }
        let addresses = try await addresses(of: ids, pool: pool)
        #expect(addresses.count == ids.count, "one recipient per order")
        let mails = { try self.mails().filter { $0.rcptTos.contains(where: addresses.contains) } }
        do {
            try await waitUntil("every mail of \(ids.count) orders handled and received", timeout: timeout, poll: .milliseconds(200)) {
                let statuses = try await outboxStatuses(of: ids, pool: pool)
                let total = statuses.values.reduce(0, +)
                let done = inFlightMailsMayBeUncertain ? total - (statuses["pending"] ?? 0) : (statuses["sent"] ?? 0)
                guard total == ids.count * 4, done == total else { return false }
                return try mails().count >= statuses["sent"] ?? 0
            }
        } catch {
            Issue.record("""
                outbox rows of the \(ids.count) orders by status: \(try await outboxStatuses(of: ids, pool: pool)) \
                (expected \(ids.count * 4) sent); their mails received: \(try mails().count); \
                other orders of the domain: \(try await others(than: ids, pool: pool).count)
                """)
            throw error
        }
        let rows = try await transitions(pool: pool).filter { accepted.contains($0.0) }
        #expect(rows.count == ids.count * 4)
        #expect(Set(rows.map(\.0)) == accepted)
        #expect(rows.filter { $0.1 == Estado.finalizado.rawValue }.count == ids.count, "finalizado exactly once per order")
        let statuses = try await outboxStatuses(of: ids, pool: pool)
        let sent = statuses["sent"] ?? 0
        let uncertain = (statuses["sending"] ?? 0) + (statuses["uncertain"] ?? 0)
        #expect(statuses["failed"] == nil, "no mail refused: \(statuses)")
        if inFlightMailsMayBeUncertain {
            // At most two per lane of the killed process (NOTIFICACIONES_SMTP_CONNECTIONS, default 8): the
            // mail in flight and the one accepted just before it, whose `sent` rides with the next commit.
            #expect(uncertain <= 16, "\(statuses)")
        } else {
            #expect(sent == ids.count * 4, "every mail sent: \(statuses)")
        }
        let received = try mails()
        // Copies of one Message-ID beyond the first can only come from a re-sent hand-over.
        let resent = inFlightMailsMayBeUncertain ? try await resends(of: ids, pool: pool) : 0
        let distinct = Set(received.compactMap { $0.header("Message-ID") })
        #expect(received.count >= sent && received.count <= sent + uncertain + resent,
                "four mails per order, none twice: \(received.count) received, outbox \(statuses), \(resent) re-sent")
        #expect(received.count - distinct.count <= resent, "no Message-ID twice (\(resent) re-sent hand-overs)")
        var perOrder: [String: Set<String>] = [:]
        for mail in received { for rcpt in mail.rcptTos where addresses.contains(rcpt) { perOrder[rcpt, default: []].insert(mail.header("Message-ID") ?? "") } }
        #expect(perOrder.values.allSatisfy { inFlightMailsMayBeUncertain ? $0.count <= 4 : $0.count == 4 }, "four mails to each order's address")
        for id in ids { #expect(try await system.estado(of: id) == .finalizado) }
        let others = try await others(than: ids, pool: pool)
        if !refusedOrdersMayExist { #expect(others.isEmpty, "orders of the domain nobody was answered 202 for: \(others.prefix(5))") }
        await pool.close()
        return others
    }
}
