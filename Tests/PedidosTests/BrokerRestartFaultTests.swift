import Foundation
import Testing
@testable import PedidosKafka
@testable import PedidosDomain

/// The embedded broker with its durable storage (`EMBEDDED_KAFKA_STORAGE=s3`) killed -9 under a steady
/// load and restarted with its data: every order answered 202 goes on to `finalizado` (with the two client
/// settings of ``EmbeddedBrokerStorage``; docs/operacion.md §7 bis). The whole system runs as separate
/// processes (debug binaries, N = 1 s) against a broker of the test's own (``DurableBroker``: Tansu on
/// SeaweedFS, own ports and run directory), whatever storage the suite's broker has; PostgreSQL and the
/// SMTP server are the suite's. Runs in the serial phase of `scripts/test.sh`.
///
/// Prints what it measured (`[reinicio-broker] …`): the outage seen by the client and the time from the
/// broker's return to the last order finalised.
@Suite("Durable broker restarted under load", .serialized, .timeLimit(.minutes(3)))
struct BrokerRestartFaultTests {
    /// 20 orders per second.
    let interval = Duration.milliseconds(50)

    static func seconds(_ value: Double) -> String { String(format: "%.2f s", value) }

    @Test("kill -9 of the durable broker under 20 orders/s, back with its data after 2 s: every 202 order finalizado, four transitions and four mails, none twice")
    func killDurableBrokerUnderLoad() async throws {
        let broker = try DurableBroker()
        let system = PipelineSystem(name: "durable", delay: .seconds(1), extraEnvironment: ["PEDIDOS_RUN": broker.runDirectory.path])
        do {
            try await killAndRestart(broker: broker, system: system)
        } catch {
            try? await system.services("stop")
            Issue.record("logs kept in \(broker.keepLogs(of: system, name: "reinicio-broker"))")
            broker.stop()
            throw error
        }
        try? await system.services("stop")
        broker.stop()
    }

    func killAndRestart(broker: DurableBroker, system: PipelineSystem) async throws {
        let clock = ContinuousClock()
        let began = clock.now
        try broker.start()
        try await system.ensureRunning()
        let warm = clock.now

        let domain = "\(TestEnvironment.uniqueName("reinicio-durable")).example.com"
        let checks = PipelineChecks(system: system, domain: domain)
        let load = RetryingLoadGenerator(port: system.solicitudesPort, domain: domain, interval: interval)
        try await waitUntil("60 orders accepted before the kill", timeout: .seconds(30), poll: .milliseconds(20)) { load.acceptedCount >= 60 }

        let acceptedBeforeKill = load.acceptedCount
        let killedAt = Date()
        try broker.kill()
        // About two seconds without a broker (a deadline, not a measurement: the outage the test injects).
        try await Task.sleep(for: .seconds(2))
        try broker.restart()
        let returnedAt = Date()
        let target = load.acceptedCount + 100
        try await waitUntil("100 more orders accepted after the restart", timeout: .seconds(60), poll: .milliseconds(50)) {
            load.acceptedCount >= target
        }
        let outcome = await load.stop()
        let accepted = outcome.accepted
        #expect(outcome.unexpected.isEmpty, "answers other than 202 and 503: \(outcome.unexpected.prefix(5))")
        #expect(outcome.abandoned == 0, "orders never accepted within their minute of retries")

        // Every accepted order: four transitions, finalizado, four mails sent and received, none twice.
        let ids = Set(accepted.map(\.id))
        let pool = try checks.pool()
        var lastFinalized: Date?
        var done: Set<Int64> = []
        let finished: Void? = try? await waitUntil("\(ids.count) accepted orders finalizado with four mails sent",
                                                 timeout: .seconds(60), poll: .milliseconds(250)) {
            let rows = try await pool.query("""
                SELECT o.id, o.state, (SELECT count(*) FROM order_transitions t WHERE t.order_id = o.id) AS transitions,
                       (SELECT count(*) FROM email_outbox e WHERE e.order_id = o.id AND e.status = 'sent') AS sent
                FROM orders o WHERE o.correo LIKE $1
                """, [.string("%@" + domain)])
            done = Set(try rows.filter { ids.contains(try $0.int64("id")) }
                .filter { try $0.string("state") == Estado.finalizado.rawValue && $0.int64("transitions") == 4 && $0.int64("sent") == 4 }
                .map { try $0.int64("id") })
            return done.count == ids.count
        }
        let stuck = ids.subtracting(done)
        if finished == nil {
            let logs = broker.keepLogs(of: system, name: "reinicio-broker")
            Issue.record(Comment(rawValue: "\(stuck.count) of \(ids.count) accepted orders not finalizado 60 s after the load: "
                + "\(stuck.sorted().prefix(10)); where: \(try await checks.stuck(pool: pool)); logs kept in \(logs)"))
            throw TimedOut(what: "accepted orders finalizado", after: .seconds(60))
        }
        let complete = done
        let finalizedRows = try await pool.query("""
            SELECT t.order_id, t.entered_at FROM order_transitions t JOIN orders o ON o.id = t.order_id
            WHERE o.correo LIKE $1 AND t.state = 'finalizado'
            """, [.string("%@" + domain)])
        var finalizedAt: [Int64: Date] = [:]
        for row in finalizedRows { finalizedAt[try row.int64("order_id")] = try row.date("entered_at") }
        lastFinalized = complete.compactMap { finalizedAt[$0] }.max()

        let transitions = try await checks.transitions(pool: pool).filter { complete.contains($0.0) }
        #expect(transitions.count == complete.count * 4, "four transitions per finalizado order")
        #expect(Set(transitions.map { "\($0.0) \($0.1)" }).count == transitions.count, "no transition twice")

        let correos = Set(accepted.filter { complete.contains($0.id) }.map(\.correo))
        try await waitUntil("every mail of the finalizado orders in the store", timeout: .seconds(30), poll: .milliseconds(250)) {
            try checks.mails().filter { $0.rcptTos.contains(where: correos.contains) }.count >= complete.count * 4
        }
        let mails = try checks.mails()
        var perAddress: [String: Int] = [:]
        for mail in mails { for rcpt in mail.rcptTos { perAddress[rcpt, default: 0] += 1 } }
        let wrong = correos.filter { perAddress[$0] != 4 }
        #expect(wrong.isEmpty, "four mails to each finalizado order's address; not so for \(wrong.count): \(wrong.prefix(5).map { "\($0)=\(perAddress[$0] ?? 0)" })")
        #expect(Set(mails.compactMap { $0.header("Message-ID") }).count == mails.count, "no Message-ID twice")
        #expect(perAddress.values.allSatisfy { $0 <= 4 }, "no address mailed more than four times")
        // Orders the broker kept although their client got a 503 (the acknowledgement was lost with the
        // broker): legitimate with a durable broker; counted, and they must not be duplicated either.
        let extraOrders = try await pool.query("SELECT count(*) AS n FROM orders WHERE correo LIKE $1", [.string("%@" + domain)])
        let extras = try Int(extraOrders.first?.int64("n") ?? 0) - ids.count
        await pool.close()

        let last = try #require(lastFinalized)
        let inFlight = accepted.filter { $0.at <= killedAt }.map(\.id)
        let lastInFlight = inFlight.compactMap { finalizedAt[$0] }.max()
        print("[reinicio-broker] almacenamiento s3, N = 1 s, 20 pedidos/s: \(ids.count) pedidos aceptados (202) "
              + "(\(acceptedBeforeKill) antes del kill -9), \(complete.count) finalizados con 4 transiciones y 4 correos, \(stuck.count) no; "
              + "503: \(outcome.unavailable)"
              + (outcome.firstUnavailable.map { first in
                    ", entre \(Self.seconds(first.timeIntervalSince(killedAt))) y \(Self.seconds((outcome.lastUnavailable ?? first).timeIntervalSince(killedAt))) tras el kill" } ?? "")
              + "; sin respuesta: \(outcome.unanswered); aceptados por el broker pese al 503: \(extras); "
              + "broker caído \(Self.seconds(returnedAt.timeIntervalSince(killedAt))) (kill → de vuelta); "
              + "vuelta del broker → último pedido en curso al kill finalizado \(lastInFlight.map { Self.seconds($0.timeIntervalSince(returnedAt)) } ?? "—"), "
              + "→ último pedido finalizado \(Self.seconds(last.timeIntervalSince(returnedAt))); "
              + "arranque (broker, servicios, calentamiento) \(Self.seconds((warm - began).seconds)), prueba \(Self.seconds((clock.now - began).seconds))")
    }
}
