import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import PedidosDomain
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// notificaciones with the SMTP server or PostgreSQL taken away. Stops shared services, so it runs in the
/// serial fault phase of `scripts/test.sh` (and `.postgresServer(.exclusive)` keeps the PostgreSQL suites of
/// the same process out while it runs).
@Suite("notificaciones faults", .serialized, .timeLimit(.minutes(5)), .postgresServer(.exclusive))
struct NotificacionesFaultTests {
    typealias Support = NotificacionesTestSupport

    @Test("SMTP down: transitions are still recorded and answered, mails wait; back up: each mail arrives once")
    func smtpDown() async throws {
        let scenario = try NotificacionesScenario("smtpdown")
        let (recipient, pool) = (scenario.recipient, scenario.pool)
        let pedido = try scenario.pedido(nombre: "Lasaña", precio: "99.990")
        let id = pedido.id

        let app = try await scenario.application()
        try TestEnvironment.infra("down", "smtp")
        do {
            try await app.test(.live) { client in
                let clock = ContinuousClock()
                try await scenario.publishEveryState(of: pedido)

                // Kafka consumption does not wait for the mails: the order is current and all four are recorded.
                let historial = try await Support.waitForHistorial(client, id: id, entries: 4, mailState: "pendiente")
                #expect(historial["estado"] == .string("finalizado"))
                let current = try Support.json(try await Support.get(client, "/pedidos/\(id)"))
                #expect(current["estado"] == .string("finalizado"))

                // Attempts fail and are recorded with their error, and are retried with backoff.
                try await waitUntil("failed attempts recorded", timeout: .seconds(30), poll: .milliseconds(100)) {
                    let rows = try await Support.outbox(pool, orders: [id])
                    return rows.count == 4 && rows.allSatisfy { $0.status == "pending" } && rows.contains { $0.attempts >= 2 }
                }
                let rows = try await Support.outbox(pool, orders: [id])
                #expect(rows.contains { $0.lastError != nil })
                #expect(try MailStore.shared().messages(to: recipient).isEmpty)

                try TestEnvironment.infra("up", "smtp")
                let backUp = clock.now
                let mails = try await scenario.waitForAllSent([id], expected: 4, timeout: .seconds(30))
                // The retry delay is capped at ~5 s, so a recovered server is drained quickly.
                #expect(clock.now - backUp < .seconds(15))
                #expect(mails.count == 4)
                #expect(Set(mails.map(\.subject)) == Set(Estado.allCases.map { "Tu pedido #\(id) está \($0.rawValue)" }))
                let after = try Support.json(try await Support.get(client, "/pedidos/\(id)/historial"))
                guard case .array(let entries)? = after["historial"] else { Issue.record("no historial"); return }
                for entry in entries {
                    #expect(entry["correo"]?["estado"] == .string("enviado"))
                    if case .number(let attempts)? = entry["correo"]?["intentos"] { #expect((Int(attempts) ?? 0) >= 1) }
                }
            }
        } catch {
            try? TestEnvironment.infra("up", "smtp")
            throw error
        }
        // Nothing more arrives later (each row is marked sent).
        #expect(try MailStore.shared().messages(to: recipient).count == 4)
        await scenario.close()
    }

    @Test("PostgreSQL killed while records arrive: once it is back every transition is recorded exactly once")
    func postgresKilled() async throws {
        let scenario = try NotificacionesScenario("pgkill")
        let pedidos = try (0..<6).map { index in try scenario.pedido(Int64(index), nombre: "Pedido \(index)", precio: "\(index).5") }

        try await scenario.application().test(.live) { client in
            // The first order goes through while PostgreSQL is up.
            try await scenario.publishEveryState(of: pedidos[0])
            _ = try await Support.waitForHistorial(client, id: pedidos[0].id, entries: 4, mailState: "enviado")

            // The others arrive while PostgreSQL is killed (some before, most during the outage).
            let publishing = Task {
                for pedido in pedidos.dropFirst() {
                    for estado in Estado.allCases {
                        try await scenario.publish(pedido, estado)
                        try await Task.sleep(for: .milliseconds(40))
                    }
                }
            }
            do {
                try await Task.sleep(for: .milliseconds(150))
                let postmaster = TestEnvironment.embeddedPostmasterPID()
                try TestEnvironment.infra("kill", "postgres")
                if let postmaster {
                    try await waitUntil("the killed postmaster to be reaped", timeout: .seconds(30)) { kill(postmaster, 0) != 0 }
                }
                try await publishing.value
                // While it is down the service still answers, and says it is not ready.
                let ready = try await Support.get(client, "/ready")
                #expect(ready.status == .serviceUnavailable)
                let lookup = try await Support.get(client, "/pedidos/\(pedidos[0].id)")
                #expect(lookup.status == .serviceUnavailable)
                #expect(lookup.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                try await waitUntil("a batch retried while PostgreSQL is down", timeout: .seconds(20)) {
                    Support.metric("notificaciones_record_retries_total") > 0
                }
            } catch {
                publishing.cancel()
                try? await PostgresFaultTests.startPostgres()
                throw error
            }
            try await PostgresFaultTests.startPostgres()

            for pedido in pedidos {
                let historial = try await Support.waitForHistorial(client, id: pedido.id, entries: 4, mailState: "enviado",
                                                                   timeout: .seconds(90))
                #expect(historial["estado"] == .string("finalizado"))
            }
        }
        for pedido in pedidos {
            #expect(try await scenario.transitionCounts(pedido.id) == NotificacionesScenario.oneRowPerState)
        }
        let mails = try await scenario.waitForAllSent(pedidos.map(\.id), expected: 24)
        #expect(mails.count == 24)
        #expect(Set(mails.compactMap { $0.header("Message-ID") }).count == 24)
        await scenario.close()
    }

    @Test("a graceful shutdown while PostgreSQL is down is prompt, and the next instance records everything once")
    func shutdownWhilePostgresDown() async throws {
        let scenario = try NotificacionesScenario("pgshutdown")
        let pedido = try scenario.pedido(nombre: "Ñoquis", precio: "7.000")
        let id = pedido.id
        let clock = ContinuousClock()

        let app1 = try await scenario.application()
        let closing: ContinuousClock.Instant
        do {
            closing = try await app1.test(.live) { client in
                try await scenario.publish(pedido, .recibido)
                _ = try await Support.waitForHistorial(client, id: id, entries: 1, mailState: "enviado")
                let postmaster = TestEnvironment.embeddedPostmasterPID()
                try TestEnvironment.infra("kill", "postgres")
                if let postmaster {
                    try await waitUntil("the killed postmaster to be reaped", timeout: .seconds(30)) { kill(postmaster, 0) != 0 }
                }
                for estado in Estado.allCases.dropFirst() { try await scenario.publish(pedido, estado) }
                // The recorder is now retrying a batch it cannot write.
                let retries = Support.metric("notificaciones_record_retries_total")
                try await waitUntil("the recorder retrying", timeout: .seconds(30)) {
                    Support.metric("notificaciones_record_retries_total") > retries
                }
                return clock.now
            }
        } catch {
            try? await PostgresFaultTests.startPostgres()
            throw error
        }
        // Shutting down did not wait for PostgreSQL (nor skip the records: their offsets were not stored).
        #expect(clock.now - closing < .seconds(15))
        try await PostgresFaultTests.startPostgres()

        try await scenario.application().test(.live) { client in
            let historial = try await Support.waitForHistorial(client, id: id, entries: 4, mailState: "enviado", timeout: .seconds(90))
            #expect(historial["estado"] == .string("finalizado"))
        }
        #expect(try await scenario.transitionCounts(id) == NotificacionesScenario.oneRowPerState)
        let mails = try await scenario.waitForAllSent([id], expected: 4)
        #expect(mails.count == 4)
        await scenario.close()
    }

}
