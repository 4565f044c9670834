import Foundation
import Testing
@testable import PedidosCore

/// The outbox's hand-over states on the real PostgreSQL: `pending` → `sending` just before the SMTP end
/// of data, and a `sending` row whose lease ended becomes `uncertain` and is never claimed again.
@Suite("mail outbox", .postgresServer(.shared))
struct MailOutboxTests {
    typealias Support = NotificacionesTestSupport

    @Test("a row left sending past its lease turns uncertain and is never claimed again")
    func abandonedHandOverIsUncertain() async throws {
        let pool = try Support.pool()
        try await MigrationRunner(pool: pool, directory: TestEnvironment.repositoryRoot.appendingPathComponent("migrations")).run()
        let outbox = PostgresMailOutboxRepository(pool: pool)
        let id = Support.orderIDBase()
        let pedido = Pedido(id: id, nombre: "Prueba", precio: try Precio(literal: "1.50"),
                            correo: Support.recipient("incierto"), estado: .recibido)
        _ = try await PostgresTransitionStore(pool: pool, mailDomain: "pedidos.test")
            .record([PedidoTransition(pedido: pedido, enteredAt: Date(), partition: 0, offset: 0)])
        let key = OutboxMail.Key(orderID: id, estado: .recibido)
        func status() async throws -> String {
            try await pool.query("SELECT status FROM email_outbox WHERE order_id = $1", [.int64(id)])[0].string("status")
        }

        // Not claimed (its next attempt is due, no lease): refused.
        #expect(try await outbox.markSending(key) == false)
        // As a claim does: the lease pushes next_attempt_at into the future.
        try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() + interval '1 minute' WHERE order_id = $1", [.int64(id)])
        #expect(try await outbox.markSending(key) == true)
        #expect(try await status() == "sending")
        #expect(try await outbox.markSending(key) == false, "handed over once only")

        // The sender died: its lease ends, the next claim (anyone's) turns the row uncertain.
        try await pool.execute("UPDATE email_outbox SET next_attempt_at = now() - interval '1 second' WHERE order_id = $1", [.int64(id)])
        let claimed = try await outbox.claimDue(limit: 1, lease: .zero)
        #expect(!claimed.contains { $0.key == key })
        #expect(try await status() == "uncertain")
        #expect(try await outbox.markSending(key) == false)
        #expect(!(try await outbox.claimDue(limit: 1, lease: .zero)).contains { $0.key == key })

        let historial = try await PostgresPedidoRepository(pool: pool).historial(id: id)
        #expect(historial?.entradas.first?.correo?.estado == .incierto)
        await pool.close()
    }
}
