import Foundation
import Testing
@testable import PedidosSupport
@testable import PedidosKafka
@testable import PedidosPostgres
@testable import PedidosSMTP
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import SolicitudesService
@testable import NotificacionesService

/// Self-healing (issue 12) with the whole system as processes and the embedded broker in memory:
/// N = 1 s, the reconciler of notificaciones every second with a 2 s margin. Every order answered `202`
/// must reach `finalizado` with four transitions and four mails, none twice — also when the broker
/// restarts empty in the middle of a steady load, and when the record of an accepted order cannot be
/// decoded. Runs in the serial fault phase of `scripts/test.sh` (it restarts the broker).
@Suite("Reconciler faults", .serialized, .timeLimit(.minutes(10)))
struct ReconcilerFaultTests {
    static let system = PipelineSystem(name: "curacion", delay: .seconds(1), extraEnvironment: [
        "NOTIFICACIONES_RECONCILIADOR_PERIODO": "1s",
        "NOTIFICACIONES_RECONCILIADOR_MARGEN": "2s",
        "NOTIFICACIONES_RECONCILIADOR_LOTE": "200",
        "NOTIFICACIONES_RECONCILIADOR_TASA": "200",
    ])

    var system: PipelineSystem { Self.system }

    func domain(_ name: String) -> String { "\(TestEnvironment.uniqueName(name)).example.com" }

    /// When the last of the orders accepted before `instant` was recorded `finalizado` (PostgreSQL's clock).
    func lastFinalized(domain: String, acceptedBefore instant: Date, pool: PostgresPool) async throws -> Date? {
        let rows = try await pool.query("""
            SELECT max(t.recorded_at) AS last FROM order_transitions t
            JOIN accepted_orders a ON a.id = t.order_id
            WHERE t.state = 'finalizado' AND a.correo LIKE $1 AND a.accepted_at < $2
            """, [.string("%@" + domain), .date(instant)])
        return try rows.first?.decode("last", as: Date?.self)
    }

    /// The reconciler's counter of re-driven orders, from notificaciones' `/metrics`.
    func redriven() async -> Double {
        guard let result = try? await system.request("GET", port: system.notificacionesPort, path: "/metrics", contentType: nil),
              result.status == 200 else { return 0 }
        return String(decoding: result.body, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("notificaciones_reconciler_redriven_total{") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }

    /// The broker's memory is gone: the topics come back (``TopicGuard``) with new topic ids, the groups and
    /// their offsets are forgotten, and the orders in flight are lost until the reconciler re-drives them.
    /// Consumers that kept their handle stand past the end of the new partitions: they rewind when they see
    /// the new topic id (``KafkaConsumer``), and a replaced handle that gets no partitions is replaced again.
    @Test("broker killed -9 and restarted empty under a steady load: every order answered 202 finalises once, four mails each")
    func brokerRestartedEmpty() async throws {
        try await system.ensureRunning()
        let domain = domain("sin-memoria")
        defer { keepLogs("broker") }
        let redrivenBefore = await redriven()
        let load = RetryingLoad(system: system, domain: domain, interval: .milliseconds(40))  // 25 orders/s
        try await waitUntil("a steady load", timeout: .seconds(30)) { load.acceptedCount >= 60 }
        try TestEnvironment.infra("kill", "kafka")
        // The fault itself: the broker stays away for about two seconds (a scenario parameter, not a wait).
        try await Task.sleep(for: .seconds(2))
        try TestEnvironment.infra("up", "kafka")
        let brokerBack = Date()
        let acceptedAtReturn = load.acceptedCount
        do {
            try await waitUntil("orders accepted again after the broker's return", timeout: .seconds(90), poll: .milliseconds(100)) {
                load.acceptedCount >= acceptedAtReturn + 100
            }
        } catch {
            _ = await load.stop()
            throw error
        }
        let ids = await load.stop()
        #expect(ids.count >= acceptedAtReturn + 100)

        let checks = PipelineChecks(system: system, domain: domain)
        let refused = try await checks.expectComplete(ids, timeout: .seconds(150), refusedOrdersMayExist: true)
        let pool = try checks.pool()
        let last = try #require(try await lastFinalized(domain: domain, acceptedBefore: brokerBack, pool: pool))
        let redrivenNow = await redriven()
        // The broker forgot the orders in flight when it died (about N × 25 of them): only the reconciler can
        // have brought those back. (503s depend on how long the outage lasts against the publish deadline.)
        #expect(redrivenNow > redrivenBefore, "the reconciler re-drove the orders the broker forgot")
        print("""
            [reconciler-fault] broker restarted empty: \(ids.count) orders answered 202 (\(load.unavailableCount) 503s retried, \
            \(refused.count) of those orders kept by the broker), \(Int(redrivenNow - redrivenBefore)) re-driven; last order accepted before the broker's return finalised \
            \(String(format: "%.1f", last.timeIntervalSince(brokerBack))) s after it
            """)
        await pool.close()
    }

    /// The four state topics deleted by hand (an operator's mistake): ``TopicGuard`` re-creates them within
    /// seconds, the consumers see the new topic ids and read the new partitions from their start (Tansu answers
    /// a fetch past the end with no records, never `OFFSET_OUT_OF_RANGE`, so `auto.offset.reset` never acts),
    /// and the reconciler re-drives the orders whose records went with the old topics.
    @Test("the state topics deleted by hand under a steady load: every order answered 202 finalises once, four mails each")
    func topicsDeleted() async throws {
        try await system.ensureRunning()
        let domain = domain("sin-topicos")
        defer { keepLogs("topicos") }
        let redrivenBefore = await redriven()
        let load = RetryingLoad(system: system, domain: domain, interval: .milliseconds(40))  // 25 orders/s
        try await waitUntil("a steady load", timeout: .seconds(30)) { load.acceptedCount >= 60 }
        let admin = try KafkaAdmin(configuration: KafkaTestSupport.configuration(clientID: "borrador"),
                                   logger: NotificacionesTestSupport.logger)
        let deleted: [String]
        do {
            deleted = try await admin.deleteTopics(PedidoTopics(prefix: system.prefix).all)
        } catch {
            _ = await load.stop()
            throw error
        }
        let deletedAt = Date()
        #expect(deleted.count == 4, "deleted \(deleted)")
        let acceptedThen = load.acceptedCount
        do {
            try await waitUntil("orders accepted after the deletion", timeout: .seconds(90), poll: .milliseconds(100)) {
                load.acceptedCount >= acceptedThen + 100
            }
        } catch {
            _ = await load.stop()
            throw error
        }
        let ids = await load.stop()
        let checks = PipelineChecks(system: system, domain: domain)
        let refused = try await checks.expectComplete(ids, timeout: .seconds(150), refusedOrdersMayExist: true)
        let pool = try checks.pool()
        let last = try #require(try await lastFinalized(domain: domain, acceptedBefore: deletedAt, pool: pool))
        let redrivenNow = await redriven()
        print("""
            [reconciler-fault] topics deleted: \(ids.count) orders answered 202 (\(load.unavailableCount) 503s retried, \
            \(refused.count) of those orders kept by the broker), \(Int(redrivenNow - redrivenBefore)) re-driven; last order accepted before the deletion finalised \
            \(String(format: "%.1f", last.timeIntervalSince(deletedAt))) s after it
            """)
        await pool.close()
    }

    /// Copies the services' logs to `$RECONCILER_FAULT_LOGS/<name>-*.log` when that variable is set (the
    /// service directory is removed when the tests end).
    func keepLogs(_ name: String) {
        guard let directory = TestEnvironment.value("RECONCILER_FAULT_LOGS") else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for service in ["solicitudes", "procesamiento", "notificaciones"] {
            let source = system.serviceDirectory.appendingPathComponent("\(service).log")
            try? FileManager.default.copyItem(at: source, to: URL(fileURLWithPath: directory).appendingPathComponent("\(name)-\(service).log"))
        }
    }

    /// A record on `recibido` that nobody can decode (it goes to the dead-letter topic): the order it stood for
    /// is in `accepted_orders`, so the reconciler re-publishes it with its acceptance time.
    @Test("an undecodable record on recibido for an accepted order: the reconciler re-drives it and it finalises")
    func undecodableRecord() async throws {
        try await system.ensureRunning()
        let domain = domain("ilegible")
        let pool = try PipelineChecks(system: system, domain: domain).pool()
        let id = NotificacionesTestSupport.orderIDBase()
        let pedido = Pedido(id: id, nombre: "Registro ilegible", precio: try Precio(literal: "759.000"),
                            correo: "u@\(domain)", estado: .recibido)
        let acceptedAt = NotificacionesTestSupport.timestamp(NotificacionesTestSupport.nowMilliseconds())
        // As solicitudes does: the journal row, then the record — here a record nobody can decode.
        let journal = PostgresAcceptedOrderJournal(pool: pool, topicPrefix: system.prefix,
                                                   logger: NotificacionesTestSupport.logger)
        try await journal.record(pedido, acceptedAt: acceptedAt).wait()
        let producer = try KafkaProducer(configuration: KafkaTestSupport.configuration(clientID: "ilegible"),
                                         logger: NotificacionesTestSupport.logger)
        let topics = PedidoTopics(prefix: system.prefix)
        // Retried until acknowledged: right after the previous test the topics may still be settling after
        // their re-creation, and Tansu then refuses a write with an unknown error for a moment.
        try await waitUntil("the undecodable record acknowledged", timeout: .seconds(30), poll: .milliseconds(500)) {
            (try? await producer.send(KafkaProducerRecord(topic: topics.topic(for: .recibido), key: String(id),
                                                          value: #"{"id":\#(id),"nombre":"#, timestamp: acceptedAt))) != nil
        }
        await producer.close()

        try await PipelineChecks(system: system, domain: domain).expectComplete([id], timeout: .seconds(60))
        let historial = try #require(try await system.historial(of: id))
        guard case .array(let entries)? = historial["historial"], case .string(let fecha)? = entries.first?["fecha"] else {
            Issue.record("no historial: \(historial)")
            return
        }
        #expect(fecha == NotificacionesTestSupport.iso(acceptedAt), "recibido keeps the acceptance time")
        await pool.close()
    }
}
