import NotificacionesService
import PedidosServiceKit
import Testing

/// Offline tests of how far ahead an outbox lane commits (`markLead`), the bound of what a crash leaves `sending`.
@Suite("Outbox settings")
struct OutboxSettingsTests {
    @Test("a lane starts its next commit a quarter of a take ahead by default, one mail ahead when every mail is marked alone")
    func defaultLead() {
        #expect(MailOutboxWorker.Settings().batchSize == 16)
        #expect(MailOutboxWorker.Settings(batchSize: 16).markLead == 4)
        #expect(MailOutboxWorker.Settings(batchSize: 8, mailsPerMark: 8).markLead == 2)
        #expect(MailOutboxWorker.Settings(batchSize: 8, mailsPerMark: 3).markLead == 1)
        #expect(MailOutboxWorker.Settings(batchSize: 16, mailsPerMark: 1).markLead == 1)
        #expect(MailOutboxWorker.Settings(batchSize: 16, markLead: 3).markLead == 3)
        #expect(MailOutboxWorker.Settings(batchSize: 16, markLead: 0).markLead == 1)
        #expect(MailOutboxWorker.Settings(batchSize: 16, mailsPerMark: 1, markLead: 4).markLead == 1, "the strict mode's bound holds")
    }

    @Test("NOTIFICACIONES_OUTBOX_MARK_LEAD is read when set, and a zero or malformed value names the variable")
    func leadFromTheEnvironment() throws {
        #expect(try NotificacionesConfiguration(environment: ServiceEnvironment([:])).outboxMarkLead == nil)
        let tuned = try NotificacionesConfiguration(environment: ServiceEnvironment(["NOTIFICACIONES_OUTBOX_MARK_LEAD": "3"]))
        #expect(tuned.outboxMarkLead == 3)
        for value in ["0", "pronto"] {
            #expect(throws: ConfigurationError.self) {
                _ = try NotificacionesConfiguration(environment: ServiceEnvironment(["NOTIFICACIONES_OUTBOX_MARK_LEAD": value]))
            }
        }
    }
}
