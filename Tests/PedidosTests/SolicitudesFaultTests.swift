import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import PedidosPostgres
@testable import SolicitudesService

/// Fault injection for solicitudes. Suites named `…FaultTests` run serially in their own phase of
/// `scripts/test.sh`, because they stop services other tests use.
@Suite("Solicitudes faults", .serialized, .timeLimit(.minutes(5)))
struct SolicitudesFaultTests {
    typealias Support = SolicitudesTestSupport

    @Test("broker down: 503 with Retry-After within 5 s; after the broker returns, orders are accepted again without a restart")
    func brokerDown() async throws {
        let prefix = Support.uniquePrefix("sol-fault")
        let app = try await Support.application(prefix: prefix)
        let clock = ContinuousClock()
        let acceptedAfterRestart = try await app.test(.router) { client in
            #expect(try await Support.post(client, Support.validBody).status == .accepted)

            try TestEnvironment.infra("kill", "kafka")
            do {
                for attempt in 1...2 {
                    let started = clock.now
                    let response = try await Support.post(client, Support.validBody)
                    let elapsed = clock.now - started
                    #expect(response.status == .serviceUnavailable, "attempt \(attempt): \(Support.text(response))")
                    #expect(response.headers[.retryAfter] == "5")
                    #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                    #expect(elapsed < .seconds(5), "attempt \(attempt) took \(elapsed)")
                    print("broker down: attempt \(attempt) answered \(response.status.code) in \(elapsed)")
                }
            } catch {
                try? TestEnvironment.infra("up", "kafka")
                throw error
            }
            try TestEnvironment.infra("up", "kafka")

            var accepted: TestResponse?
            try await waitUntil("an order is accepted after the broker restart", timeout: .seconds(90), poll: .milliseconds(200)) {
                let response = try await Support.post(client, Support.validBody)
                if response.status == .accepted { accepted = response; return true }
                #expect(response.status == .serviceUnavailable, "\(Support.text(response))")
                return false
            }
            for _ in 0..<10 { #expect(try await Support.post(client, Support.validBody).status == .accepted) }
            return try #require(accepted)
        }

        // What was acknowledged after the restart is really on the (new, memory-only) broker.
        let id = try Support.id(acceptedAfterRestart)
        let collector = try Support.recibidoCollector(prefix: prefix)
        try await waitUntil("the order accepted after the restart on \(prefix)recibido", timeout: .seconds(60)) {
            collector.messages.contains { $0.keyString == String(id) }
        }
        await collector.stop()
    }

    @Test("PostgreSQL down when a new id block is needed: 503 with Retry-After within 5 s, then recovery")
    func postgresDownWhenABlockIsNeeded() async throws {
        // A sequence with tiny blocks, so that the allocator needs PostgreSQL again after a few orders.
        let sequence = "sol_fault_blocks_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresTestSupport.pool(poolSize: 1)
        try await admin.execute("CREATE SEQUENCE \(sequence) START WITH 1 INCREMENT BY 2")
        var configuration = try PostgresTestSupport.configuration(poolSize: 1)
        configuration.connectTimeout = .seconds(2)
        configuration.acquireTimeout = .seconds(2)
        let pool = PostgresPool(configuration: configuration)
        let allocator = BlockPedidoIDAllocator(source: PostgresPedidoIDBlockSource(pool: pool, sequence: sequence), retryDelay: .zero)
        let publisher = RecordingPedidoPublisher()
        let app = solicitudesRouterApplication(allocator: allocator, publisher: publisher)
        let clock = ContinuousClock()

        try await app.test(.router) { client in
            try await allocator.prefetch()
            try TestEnvironment.infra("kill", "postgres")
            do {
                // The ids already reserved (current block and its spare) are still handed out.
                var statuses: [HTTPResponse.Status] = []
                var lastElapsed = Duration.zero
                for _ in 0..<6 {
                    let started = clock.now
                    let response = try await Support.post(client, Support.validBody)
                    lastElapsed = clock.now - started
                    statuses.append(response.status)
                    if response.status == .serviceUnavailable {
                        #expect(response.headers[.retryAfter] == "5")
                        break
                    }
                }
                #expect(statuses.last == .serviceUnavailable, "\(statuses)")
                #expect(statuses.dropLast().allSatisfy { $0 == .accepted }, "\(statuses)")
                #expect(lastElapsed < .seconds(5))
            } catch {
                try? TestEnvironment.infra("up", "postgres")
                throw error
            }
            try TestEnvironment.infra("up", "postgres")
            try await waitUntil("an order is accepted after PostgreSQL returns", timeout: .seconds(60), poll: .milliseconds(200)) {
                try await Support.post(client, Support.validBody).status == .accepted
            }
        }
        let ids = publisher.pedidos.map(\.id)
        #expect(Set(ids).count == ids.count)
        await pool.close()
        try await waitUntil("PostgreSQL answers the admin pool", timeout: .seconds(30)) { (try? await admin.ping()) != nil }
        try await admin.execute("DROP SEQUENCE \(sequence)")
        await admin.close()
    }
}
