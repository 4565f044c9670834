import Foundation
import ServiceLifecycle
import Testing
@testable import PedidosSupport
@testable import PedidosKafka
@testable import PedidosPostgres
@testable import PedidosSMTP
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import SolicitudesService
@testable import NotificacionesService

/// Mail at the crash boundary, default policy: a mail whose hand-over was interrupted after the end of
/// data is sent again with the same Message-ID (at most `uncertainResends` times, then `uncertain`), and
/// the operator's `scripts/correos-inciertos.sh` lists uncertain mails and sends them again.
@Suite("mail re-send at the crash boundary", .postgresServer(.shared))
struct MailResendTests {
    typealias Support = NotificacionesTestSupport

    static func status(_ pool: PostgresPool, _ id: Int64) async throws -> (status: String, resends: Int, messageID: String) {
        let row = try await pool.query("SELECT status, resends, message_id FROM email_outbox WHERE order_id = $1", [.int64(id)])[0]
        return (try row.string("status"), try row.int("resends"), try row.string("message_id"))
    }

    /// As a sender that died after its `sending` commit: the row is `sending` and its lease is over.
    static func abandon(_ pool: PostgresPool, _ id: Int64) async throws {
        try await pool.execute("UPDATE email_outbox SET status = 'sending', next_attempt_at = now() - interval '1 second' WHERE order_id = $1",
                               [.int64(id)])
    }

    @Test("an abandoned hand-over is sent again (same Message-ID) up to the limit, then left uncertain")
    func abandonedHandOverIsResent() async throws {
        let pool = try await ReconcilerTests.migratedPool()
        let id = Support.orderIDBase()
        try await MailOutboxTests.recordOrder(pool, id: id, recipient: Support.recipient("reenvio"), states: [.recibido])
        let outbox = PostgresMailOutboxRepository(pool: pool)
        #expect(outbox.uncertainResends == 2)
        let messageID = try await Self.status(pool, id).messageID
        for resend in 1...2 {
            try await Self.abandon(pool, id)
            _ = try await outbox.claimDue(limit: 1, lease: .zero)  // turns it pending again
            #expect(try await Self.status(pool, id) == ("pending", resend, messageID))
            let due = try await pool.query("SELECT next_attempt_at <= now() AS due FROM email_outbox WHERE order_id = $1", [.int64(id)])
            #expect(try due[0].bool("due"), "due again at once")
            // As the next claim does (its lease), then the hand-over again.
            try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() + interval '1 minute' WHERE order_id = $1", [.int64(id)])
            #expect(try await outbox.markSending(OutboxMail.Key(orderID: id, estado: .recibido)))
        }
        try await Self.abandon(pool, id)
        _ = try await outbox.claimDue(limit: 1, lease: .zero)
        #expect(try await Self.status(pool, id) == ("uncertain", 2, messageID), "after two re-sends: uncertain")
        await pool.close()
    }

    @Test("a connection broken after the end of data: pending again after the backoff, one more re-send; strict mode: uncertain")
    func brokenAfterEndOfData() async throws {
        let pool = try await ReconcilerTests.migratedPool()
        let key = OutboxMail.Key(orderID: Support.orderIDBase(), estado: .recibido)
        try await MailOutboxTests.recordOrder(pool, id: key.orderID, recipient: Support.recipient("roto"), states: [.recibido])
        try await pool.execute("UPDATE email_outbox SET status = 'sending' WHERE order_id = $1", [.int64(key.orderID)])
        try await PostgresMailOutboxRepository(pool: pool).markUncertain(key, error: "connection reset", after: .seconds(30))
        #expect(try await Self.status(pool, key.orderID).status == "pending")
        #expect(try await Self.status(pool, key.orderID).resends == 1)
        let due = try await pool.query("SELECT next_attempt_at > now() + interval '20 seconds' AS later FROM email_outbox WHERE order_id = $1",
                                       [.int64(key.orderID)])
        #expect(try due[0].bool("later"), "due after the backoff")
        try await pool.execute("UPDATE email_outbox SET status = 'sending' WHERE order_id = $1", [.int64(key.orderID)])
        try await PostgresMailOutboxRepository(pool: pool, uncertainResends: 0).markUncertain(key, error: "reset", after: .zero)
        #expect(try await Self.status(pool, key.orderID).status == "uncertain")
        await pool.close()
    }

    @Test("the worker delivers a re-sent hand-over with the same Message-ID")
    func workerResendsWithSameMessageID() async throws {
        let pool = try await ReconcilerTests.migratedPool()
        let recipient = Support.recipient("mismo-id")
        let id = Support.orderIDBase()
        try await MailOutboxTests.recordOrder(pool, id: id, recipient: recipient, states: [.entregando])
        try await Self.abandon(pool, id)
        let client = try SMTPClient(configuration: MailOutboxTests.smtpConfiguration(), logger: Support.logger)
        let group = ServiceGroup(services: [MailOutboxTests.worker(PostgresMailOutboxRepository(pool: pool), clients: [client],
                                                                   settings: .init(batchSize: 8, pollInterval: .milliseconds(100)))],
                                 logger: Support.logger)
        let running = Task { try await group.run() }
        let mails = try await MailStore.shared().waitForMessages(to: recipient, count: 1)
        try await waitUntil("the re-sent mail recorded sent") { try await Self.status(pool, id).status == "sent" }
        await group.triggerGracefulShutdown()
        try await running.value
        let expected = NotificationMail.messageID(orderID: id, estado: .entregando, domain: "pedidos.test")
        #expect(mails.map { $0.header("Message-ID") } == [expected])
        #expect(try await Self.status(pool, id).resends == 1)
        await pool.close()
    }

    @Test("correos-inciertos.sh lists uncertain mails and sends the chosen ones again, same Message-ID")
    func operatorScript() async throws {
        // The operator's script works on DATABASE_URL's default schema, like the services.
        let pool = try Support.pool()
        try await MigrationRunner(pool: pool, directory: TestEnvironment.repositoryRoot.appendingPathComponent("migrations")).run()
        let id = Support.orderIDBase()
        try await MailOutboxTests.recordOrder(pool, id: id, recipient: Support.recipient("operador"), states: [.recibido, .preparando])
        try await pool.execute("UPDATE email_outbox SET status = 'uncertain' WHERE order_id = $1", [.int64(id)])
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/correos-inciertos.sh").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("inciertos-\(id).txt")
        defer { try? FileManager.default.removeItem(at: output) }
        func run(_ arguments: String...) throws -> String {
            let status = try spawnAndWait("/bin/bash", ["-c", #"out="$1"; shift; exec /bin/bash "$@" >"$out" 2>&1"#, "inciertos",
                                                        output.path, script] + arguments,
                                          environment: ["DATABASE_URL": try TestEnvironment.databaseURL()])
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            #expect(status == 0, "\(arguments): \(text)")
            return text
        }
        let listed = try run("listar")
        let messageID = NotificationMail.messageID(orderID: id, estado: .preparando, domain: "pedidos.test")
        #expect(listed.contains(messageID))
        _ = try run("reenviar", "\(id)/preparando")
        let rows = try await pool.query("SELECT state, status, resends, message_id FROM email_outbox WHERE order_id = $1 ORDER BY state",
                                        [.int64(id)])
        let byState = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.string("state"), (try $0.string("status"), try $0.int("resends"), try $0.string("message_id"))) })
        #expect(byState["preparando"]?.0 == "pending")
        #expect(byState["preparando"]?.1 == 1)
        #expect(byState["preparando"]?.2 == messageID, "same Message-ID")
        #expect(byState["recibido"]?.0 == "uncertain", "only the chosen mail")
        _ = try run("reenviar", "\(id)")
        #expect(try await pool.query("SELECT 1 FROM email_outbox WHERE order_id = $1 AND status = 'uncertain'", [.int64(id)]).isEmpty)
        // Leave nothing for the outbox workers of other tests to send to this fake recipient.
        try await pool.execute("UPDATE email_outbox SET status = 'failed' WHERE order_id = $1", [.int64(id)])
        await pool.close()
    }
}
