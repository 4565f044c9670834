import Foundation
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

/// The journal of accepted orders and the reconciler's query against the real PostgreSQL and broker:
/// which orders count as stuck, one pass at a time (advisory lock), and the re-published record (same
/// key, the timestamp the order entered its state).
@Suite("reconciler", .postgresServer(.shared))
struct ReconcilerTests {
    typealias Support = NotificacionesTestSupport

    static func migratedPool() async throws -> PostgresPool {
        try await Support.isolatedPool()
    }

    /// An accepted order `acceptedAgo` seconds ago and, when `state` is given, notificaciones' row for it
    /// in that state since `enteredAgo` seconds. Returns the instants as PostgreSQL stored them.
    @discardableResult
    static func insert(_ pool: PostgresPool, id: Int64, prefix: String, acceptedAgo: Double, state: Estado? = nil,
                       enteredAgo: Double = 0) async throws -> (accepted: Date, entered: Date?) {
        let accepted = Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 - acceptedAgo) * 1000).rounded() / 1000)
        try await pool.execute("""
            INSERT INTO accepted_orders (id, nombre, precio, correo, accepted_at, topic_prefix)
            VALUES ($1, 'Reconciliar', '759.000', $2, $3, $4)
            """, [.int64(id), .string("r\(id)@reconciliador.test"), .date(accepted), .string(prefix)])
        guard let state else { return (accepted, nil) }
        let entered = Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 - enteredAgo) * 1000).rounded() / 1000)
        try await pool.execute("""
            INSERT INTO orders (id, nombre, precio, correo, state, state_rank, updated_at)
            VALUES ($1, 'Reconciliar', '759.000', $2, $3, $4, $5)
            """, [.int64(id), .string("r\(id)@reconciliador.test"), .string(state.rawValue), .int(state.ordinal), .date(entered)])
        return (accepted, entered)
    }

    /// notificaciones' transitions of an order: each state with how many seconds ago it was entered.
    @discardableResult
    static func recordTransitions(_ pool: PostgresPool, id: Int64, _ states: [(Estado, Double)]) async throws -> [Estado: Date] {
        var entered: [Estado: Date] = [:]
        for (estado, ago) in states {
            let instant = Date(timeIntervalSince1970: ((Date().timeIntervalSince1970 - ago) * 1000).rounded() / 1000)
            try await pool.execute("""
                INSERT INTO order_transitions (order_id, state, entered_at, kafka_partition, kafka_offset) VALUES ($1, $2, $3, 0, 0)
                """, [.int64(id), .string(estado.rawValue), .date(instant)])
            entered[estado] = instant
        }
        return entered
    }

    /// Whole milliseconds since 1970 (how Kafka and `PostgresTimestamp` carry instants).
    static func ms(_ date: Date?) -> Int64? { date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } }

    static let tenSeconds: [Estado: Duration] = [.recibido: .seconds(10), .preparando: .seconds(10), .entregando: .seconds(10)]

    @Test("stuck: never seen past N+margin (as recibido, since its acceptance) or in a state past N+margin; not finished, recent or another prefix's")
    func stuckDetection() async throws {
        let pool = try await Self.migratedPool()
        let prefix = Support.uniquePrefix("stuck")
        let base = Support.orderIDBase()
        let unseen = try await Self.insert(pool, id: base + 1, prefix: prefix, acceptedAgo: 60)
        let preparando = try await Self.insert(pool, id: base + 2, prefix: prefix, acceptedAgo: 60, state: .preparando, enteredAgo: 50)
        try await Self.insert(pool, id: base + 3, prefix: prefix, acceptedAgo: 60, state: .finalizado, enteredAgo: 57)
        try await Self.recordTransitions(pool, id: base + 3, [(.recibido, 60), (.preparando, 59), (.entregando, 58), (.finalizado, 57)])
        try await Self.insert(pool, id: base + 4, prefix: prefix, acceptedAgo: 1)
        try await Self.insert(pool, id: base + 5, prefix: prefix, acceptedAgo: 60, state: .entregando, enteredAgo: 2)
        try await Self.insert(pool, id: base + 6, prefix: prefix + "otro-", acceptedAgo: 60)

        let finder = PostgresStuckOrderFinder(pool: pool, topicPrefix: prefix)
        let scan = try #require(try await finder.exclusivePass { try await $0.scan(thresholds: Self.tenSeconds, limit: 100) })
        #expect(scan.orders.map(\.pedido.id) == [base + 1, base + 2], "oldest first")
        #expect(scan.orders.map(\.pedido.estado) == [.recibido, .preparando])
        #expect(scan.orders.map { Self.ms($0.enteredAt) } == [Self.ms(unseen.accepted), Self.ms(preparando.entered)])
        #expect(scan.orders.first?.pedido.precio.text == "759.000")
        #expect(scan.total == 2)
        #expect(Self.ms(scan.oldestEnteredAt) == Self.ms(unseen.accepted))
        let finished = try await pool.query("SELECT id FROM accepted_orders WHERE id BETWEEN $1 AND $2 AND finished ORDER BY id",
                                            [.int64(base), .int64(base + 10)])
        #expect(try finished.map { try $0.int64("id") } == [base + 3], "finalizado marked finished, the rest left open")

        // Left out (re-driven recently): not returned, still counted.
        let rest = try #require(try await finder.exclusivePass {
            try await $0.scan(thresholds: Self.tenSeconds, limit: 100, excluding: [base + 1])
        })
        #expect(rest.orders.map(\.pedido.id) == [base + 2])
        #expect(rest.total == 2)
        // The limit.
        let one = try #require(try await finder.exclusivePass { try await $0.scan(thresholds: Self.tenSeconds, limit: 1) })
        #expect(one.orders.map(\.pedido.id) == [base + 1])
        await pool.close()
    }

    @Test("a finalizado order missing a transition (its record lost, e.g. with a deleted topic) is re-driven as the first missing state, entered at the latest when the next recorded one was")
    func missingTransitionOfAFinishedOrder() async throws {
        let pool = try await Self.migratedPool()
        let prefix = Support.uniquePrefix("hueco")
        let base = Support.orderIDBase()
        try await Self.insert(pool, id: base + 1, prefix: prefix, acceptedAgo: 60, state: .finalizado, enteredAgo: 30)
        let gap = try await Self.recordTransitions(pool, id: base + 1, [(.recibido, 60), (.entregando, 40), (.finalizado, 30)])
        let unseen = try await Self.insert(pool, id: base + 2, prefix: prefix, acceptedAgo: 50, state: .finalizado, enteredAgo: 20)
        try await Self.recordTransitions(pool, id: base + 2, [(.preparando, 45), (.entregando, 35), (.finalizado, 20)])
        // Recent: its preparando may still be on its way to notificaciones.
        try await Self.insert(pool, id: base + 3, prefix: prefix, acceptedAgo: 8, state: .finalizado, enteredAgo: 1)
        try await Self.recordTransitions(pool, id: base + 3, [(.recibido, 8), (.entregando, 2), (.finalizado, 1)])

        let finder = PostgresStuckOrderFinder(pool: pool, topicPrefix: prefix)
        let scan = try #require(try await finder.exclusivePass { try await $0.scan(thresholds: Self.tenSeconds, limit: 100) })
        #expect(scan.orders.map(\.pedido.id) == [base + 2, base + 1], "oldest first")
        #expect(scan.orders.map(\.pedido.estado) == [.recibido, .preparando])
        #expect(scan.orders.map { Self.ms($0.enteredAt) } == [Self.ms(unseen.accepted), Self.ms(gap[.entregando])])
        #expect(scan.total == 2)
        let finished = try await pool.query("SELECT count(*) AS n FROM accepted_orders WHERE id BETWEEN $1 AND $2 AND finished",
                                            [.int64(base), .int64(base + 10)])
        #expect(try finished.first?.int("n") == 0, "not finished while a transition is missing")

        // Once the missing transitions are recorded, the orders are finished and nothing is stuck.
        try await Self.recordTransitions(pool, id: base + 1, [(.preparando, 40)])
        try await Self.recordTransitions(pool, id: base + 2, [(.recibido, 50)])
        let after = try #require(try await finder.exclusivePass { try await $0.scan(thresholds: Self.tenSeconds, limit: 100) })
        #expect(after.orders.isEmpty)
        let done = try await pool.query("SELECT id FROM accepted_orders WHERE id BETWEEN $1 AND $2 AND finished ORDER BY id",
                                        [.int64(base), .int64(base + 10)])
        #expect(try done.map { try $0.int64("id") } == [base + 1, base + 2])
        await pool.close()
    }

    @Test("one pass at a time per prefix: a second finder skips while the first holds the advisory lock")
    func advisoryLockExclusivity() async throws {
        let pool = try await Self.migratedPool()
        let other = try await Self.migratedPool()
        let prefix = Support.uniquePrefix("lock")
        let holding = LockedValue(false)
        let release = LockedValue(false)
        let first = Task {
            try await PostgresStuckOrderFinder(pool: pool, topicPrefix: prefix).exclusivePass { _ in
                holding.withValue { $0 = true }
                while !release.value { try await Task.sleep(for: .milliseconds(10)) }
                return 1
            }
        }
        try await waitUntil("the first pass to hold the lock") { holding.value }
        let second = PostgresStuckOrderFinder(pool: other, topicPrefix: prefix)
        #expect(try await second.exclusivePass { _ in 2 } == nil, "skipped while the first pass runs")
        #expect(try await PostgresStuckOrderFinder(pool: other, topicPrefix: prefix + "b-").exclusivePass { _ in 3 } == 3,
                "another prefix is another lock")
        release.withValue { $0 = true }
        #expect(try await first.value == 1)
        #expect(try await second.exclusivePass { _ in 2 } == 2, "the lock went with the first pass's transaction")
        await pool.close()
        await other.close()
    }

    @Test("a pass re-publishes each stuck order's current state with the same key and the time it entered it; not again right away")
    func republishWithOriginalTimestamp() async throws {
        Observability.bootstrapMetricsOnly()
        let pool = try await Self.migratedPool()
        let prefix = Support.uniquePrefix("redrive")
        let topics = PedidoTopics(prefix: prefix)
        let configuration = try KafkaTestSupport.configuration(clientID: "reconciler-tests")
        let admin = try KafkaAdmin(configuration: configuration, logger: Support.logger)
        try await admin.ensureTopics(topics.all.map { .init(name: $0, partitions: 3) })
        let base = Support.orderIDBase()
        let unseen = try await Self.insert(pool, id: base + 1, prefix: prefix, acceptedAgo: 30)
        let preparando = try await Self.insert(pool, id: base + 2, prefix: prefix, acceptedAgo: 30, state: .preparando, enteredAgo: 20)

        let consumer = try KafkaConsumer(configuration: configuration, groupID: prefix + "lector",
                                         topics: topics.all, logger: Support.logger)
        let collector = KafkaTestSupport.Collector(consumer)
        let producer = try KafkaProducer(configuration: configuration, logger: Support.logger)
        let settings = ReconcilerSettings(period: .seconds(1), margin: .seconds(1), batchSize: 10, ratePerSecond: 100,
                                          delays: [.recibido: .seconds(1), .preparando: .seconds(1), .entregando: .seconds(1)])
        let reconciler = OrderReconciler(finder: PostgresStuckOrderFinder(pool: pool, topicPrefix: prefix), producer: producer,
                                         topics: topics, settings: settings, logger: Support.logger)
        let before = Support.metric("notificaciones_reconciler_redriven_total", labels: #"estado="recibido""#)
        #expect(await reconciler.runPass() == .done(redriven: 2, stuck: 2))
        // Still stuck (nothing consumes these topics), but re-driven a moment ago (less than N + margin):
        // not again yet.
        #expect(await reconciler.runPass() == .done(redriven: 0, stuck: 2))
        #expect(Support.metric("notificaciones_reconciler_redriven_total", labels: #"estado="recibido""#) == before + 1)
        #expect(Support.metric("notificaciones_reconciler_stuck_orders") == 2)
        #expect(Support.metric("notificaciones_reconciler_oldest_stuck_seconds") >= 29)

        try await waitUntil("both re-published records", timeout: .seconds(60)) { collector.messages.count >= 2 }
        let messages = collector.messages.sorted { ($0.keyString ?? "") < ($1.keyString ?? "") }
        #expect(messages.map(\.topic) == [topics.topic(for: .recibido), topics.topic(for: .preparando)])
        #expect(messages.map(\.keyString) == [String(base + 1), String(base + 2)])
        #expect(messages.map { Self.ms($0.timestamp) } == [Self.ms(unseen.accepted), Self.ms(preparando.entered)])
        let decoded = try messages.map { try PedidoMessage.decode($0, topics: topics) }
        #expect(decoded.map(\.estado) == [.recibido, .preparando])
        #expect(decoded.allSatisfy { $0.precio.text == "759.000" && $0.nombre == "Reconciliar" })
        // Same key → same partition as solicitudes and procesamiento publish it on.
        #expect(Set(messages.map(\.partition)).count >= 1)

        // Once N + margin passed since, re-driven again (procesamiento may have lost it once more).
        try await waitUntil("the re-drive window over", timeout: .seconds(30), poll: .milliseconds(250)) {
            await reconciler.runPass() == .done(redriven: 2, stuck: 2)
        }
        await collector.stop()
        await producer.close()
        await pool.close()
    }

    @Test("the journal group-commits concurrent orders: each row once, precio exactly as received, the prefix recorded")
    func journalWritesEveryOrder() async throws {
        Observability.bootstrapMetricsOnly()
        let pool = try await Self.migratedPool()
        let prefix = Support.uniquePrefix("diario")
        let journal = PostgresAcceptedOrderJournal(pool: pool, topicPrefix: prefix, logger: Support.logger)
        let base = Support.orderIDBase()
        let at = Date(timeIntervalSince1970: 1_800_000_000.123)
        let batchesBefore = Support.metric("solicitudes_journal_batch_size_count")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let pedido = Pedido(id: base + Int64(index), nombre: "Pedido \(index)", precio: try Precio(literal: "\(index).000"),
                                        correo: "d\(index)@diario.test", estado: .recibido)
                    try await journal.record(pedido, acceptedAt: at).wait()
                }
            }
            try await group.waitForAll()
        }
        let rows = try await pool.query("""
            SELECT id, precio, accepted_at, topic_prefix FROM accepted_orders WHERE id BETWEEN $1 AND $2 ORDER BY id
            """, [.int64(base), .int64(base + 1000)])
        #expect(rows.count == 200)
        #expect(try rows.map { try $0.string("precio") } == (0..<200).map { "\($0).000" })
        let stamps = try rows.map { Self.ms(try $0.date("accepted_at")) }
        let prefixes = try rows.map { try $0.string("topic_prefix") }
        #expect(stamps.allSatisfy { $0 == Self.ms(at) })
        #expect(prefixes.allSatisfy { $0 == prefix })
        let batches = Support.metric("solicitudes_journal_batch_size_count") - batchesBefore
        #expect(batches > 0 && batches < 200, "200 concurrent orders in \(batches) statements")
        #expect(journal.isHealthy)
        await journal.discard(base)
        #expect(try await pool.query("SELECT 1 FROM accepted_orders WHERE id = $1", [.int64(base)]).isEmpty)
        await pool.close()
    }
}
