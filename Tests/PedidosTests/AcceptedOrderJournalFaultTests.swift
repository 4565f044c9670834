import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import PedidosSupport
@testable import PedidosKafka
@testable import PedidosPostgres
@testable import PedidosSMTP
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import SolicitudesService
@testable import NotificacionesService

/// solicitudes with its journal of accepted orders while PostgreSQL is killed: `503` with `Retry-After`,
/// and once the journal is known to be failing nothing is published (no order the client was told to
/// retry goes on in the pipeline); every `202` has its row.
@Suite("Accepted-order journal faults", .serialized, .timeLimit(.minutes(5)))
struct AcceptedOrderJournalFaultTests {
    typealias Support = SolicitudesTestSupport

    /// Ids from a counter, so that only the journal depends on PostgreSQL.
    final class CountingAllocator: PedidoIDAllocator {
        private let next: Mutex<Int64>
        init(base: Int64) { next = Mutex(base) }
        func nextID() async throws -> Int64 { next.withLock { value in defer { value += 1 }; return value } }
    }

    @Test("PostgreSQL down: 503 with Retry-After within 5 s, nothing published once the journal is known down; then 202 again",
          .postgresServer(.exclusive))
    func postgresDown() async throws {
        var configuration = try PostgresTestSupport.configuration(poolSize: 2)
        configuration.connectTimeout = .seconds(2)
        configuration.acquireTimeout = .seconds(2)
        let pool = PostgresPool(configuration: configuration)
        try await MigrationRunner(pool: pool, directory: TestEnvironment.repositoryRoot.appendingPathComponent("migrations")).run()
        let prefix = TestEnvironment.uniqueName("diario") + "-"
        let journal = PostgresAcceptedOrderJournal(pool: pool, topicPrefix: prefix, logger: Support.logger)
        let publisher = RecordingPedidoPublisher()
        let router = Router(context: BasicRequestContext.self)
        router.addRoutes(SolicitudesController<BasicRequestContext>(
            allocator: CountingAllocator(base: NotificacionesTestSupport.orderIDBase()), publisher: publisher,
            journal: journal, logger: Support.logger).routes, atPath: "pedidos")
        let app = Application(router: router, logger: Support.logger)
        let clock = ContinuousClock()
        let accepted = LockedValue<[Int64]>([])
        @Sendable func id(_ response: TestResponse) -> [Int64] {
            guard case .number(let text)? = (try? JSONParser.parse(Array(response.body.readableBytesView)))?["id"],
                  let id = Int64(text) else { return [] }
            return [id]
        }

        try await app.test(.router) { client in
            let first = try await Support.post(client, Support.validBody)
            #expect(first.status == .accepted)
            accepted.withValue { $0 += id(first) }
            try TestEnvironment.infra("kill", "postgres")
            do {
                // The first request meets a journal still believed healthy (it may have been published).
                let started = clock.now
                let failing = try await Support.post(client, Support.validBody)
                #expect(failing.status == .serviceUnavailable)
                #expect(failing.headers[.retryAfter] == "5")
                #expect(clock.now - started < .seconds(5))
                #expect(!journal.isHealthy)
                let published = publisher.pedidos.count
                for _ in 0..<3 {
                    let started = clock.now
                    let response = try await Support.post(client, Support.validBody)
                    #expect(response.status == .serviceUnavailable)
                    #expect(clock.now - started < .seconds(5))
                }
                #expect(publisher.pedidos.count == published, "journal known down: written first, nothing published")
            } catch {
                try? TestEnvironment.infra("up", "postgres")
                throw error
            }
            try TestEnvironment.infra("up", "postgres")
            try await waitUntil("an order accepted after PostgreSQL returns", timeout: .seconds(60), poll: .milliseconds(200)) {
                let response = try await Support.post(client, Support.validBody)
                guard response.status == .accepted else { return false }
                accepted.withValue { $0 += id(response) }
                return true
            }
        }
        #expect(accepted.value.count == 2)
        #expect(journal.isHealthy)
        let rows = try await pool.query("SELECT id FROM accepted_orders WHERE topic_prefix = $1 ORDER BY id", [.string(prefix)])
        #expect(try Set(accepted.value).isSubset(of: Set(rows.map { try $0.int64("id") })), "every 202 has its row")
        await pool.close()
    }
}
