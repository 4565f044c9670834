import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import PedidosKafka
@testable import PedidosPostgres
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import SolicitudesService

/// The solicitudes service against the real broker and PostgreSQL: what `POST /pedidos` answers, what
/// it publishes on `recibido`, and how ids are allocated. Each test uses its own topic prefix.
@Suite("Solicitudes", .timeLimit(.minutes(3)))
struct SolicitudesTests {
    typealias Support = SolicitudesTestSupport

    @Test("an accepted order answers 202 with Location and the exact order, and is on recibido with key, schema header and timestamp")
    func acceptedOrderIsPublished() async throws {
        let prefix = Support.uniquePrefix()
        let app = try await Support.application(prefix: prefix)
        let before = Date()
        let (response, id) = try await app.test(.router) { client in
            let response = try await Support.post(client, #"{"nombre":"  Pizza margarita  ","precio":759.000,"correo":"ana@example.com"}"#)
            return (response, try Support.id(response))
        }
        let after = Date()

        #expect(response.status == .accepted)
        #expect(id > 0)
        #expect(response.headers[.location] == "/pedidos/\(id)")
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        let expected = #"{"id":\#(id),"nombre":"Pizza margarita","precio":759.000,"correo":"ana@example.com","estado":"recibido"}"#
        #expect(Support.text(response) == expected)

        let collector = try Support.recibidoCollector(prefix: prefix)
        try await waitUntil("the order on \(prefix)recibido", timeout: .seconds(60)) {
            collector.messages.contains { $0.keyString == String(id) }
        }
        await collector.stop()
        let records = collector.messages.filter { $0.keyString == String(id) }
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.topic == "\(prefix)recibido")
        #expect(record.valueString == expected)
        #expect(record.header(PedidoMessage.schemaHeader)?.stringValue == PedidoMessage.schemaVersion)
        let timestamp = try #require(record.timestamp)
        #expect(timestamp >= before.addingTimeInterval(-1) && timestamp <= after.addingTimeInterval(1))
        let decoded = try PedidoMessage.decode(record, topics: PedidoTopics(prefix: prefix))
        #expect(decoded.id == id && decoded.estado == .recibido && decoded.precio.text == "759.000")
    }

    @Test("200 concurrent orders get distinct positive ids; later orders get larger ids")
    func concurrentOrdersGetUniqueIncreasingIDs() async throws {
        let app = try await Support.application(prefix: Support.uniquePrefix())
        try await app.test(.router) { client in
            let ids = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let response = try await Support.post(
                            client, #"{"nombre":"Pedido \#(index)","precio":\#(index).50,"correo":"cliente\#(index)@example.com"}"#)
                        try #require(response.status == .accepted, "\(Support.text(response))")
                        let id = try Support.id(response)
                        #expect(response.headers[.location] == "/pedidos/\(id)")
                        return id
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
            #expect(ids.count == 200)
            #expect(Set(ids).count == 200)
            #expect(ids.allSatisfy { $0 > 0 })

            var previous = try #require(ids.max())
            for _ in 0..<5 {
                let id = try Support.id(try await Support.post(client, Support.validBody))
                #expect(id > previous)
                previous = id
            }
        }
    }

    @Test("two application instances never hand out the same id")
    func twoInstancesNeverCollide() async throws {
        let prefix = Support.uniquePrefix()
        let first = try await Support.application(prefix: prefix)
        let second = try await Support.application(prefix: prefix)
        let ids = try await first.test(.router) { one in
            try await second.test(.router) { two in
                try await withThrowingTaskGroup(of: Int64.self) { group in
                    for index in 0..<100 {
                        let client = index.isMultiple(of: 2) ? one : two
                        group.addTask {
                            let response = try await Support.post(client, Support.validBody)
                            try #require(response.status == .accepted, "\(Support.text(response))")
                            return try Support.id(response)
                        }
                    }
                    return try await group.reduce(into: [Int64]()) { $0.append($1) }
                }
            }
        }
        #expect(ids.count == 100)
        #expect(Set(ids).count == 100)
    }

    @Test("allocators on separate pools take disjoint blocks of the sequence's increment, across block boundaries")
    func allocatorsOnSeparatePoolsNeverOverlap() async throws {
        let pools = try (0..<2).map { _ in try PostgresTestSupport.pool(poolSize: 1) }
        try await MigrationRunner(pool: pools[0], directory: TestEnvironment.repositoryRoot.appendingPathComponent("migrations")).run()
        let increment = try await pools[0].query(
            "SELECT seqincrement FROM pg_catalog.pg_sequence WHERE seqrelid = 'order_id_blocks'::regclass")[0].int64("seqincrement")
        let allocators = pools.map { BlockPedidoIDAllocator(source: PostgresPedidoIDBlockSource(pool: $0)) }
        let perAllocator = Int(increment) * 2 + 500 // crosses at least two block boundaries each
        let results = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for allocator in allocators {
                group.addTask {
                    var ids: [Int64] = []
                    for _ in 0..<perAllocator { ids.append(try await allocator.nextID()) }
                    return ids
                }
            }
            return try await group.reduce(into: [[Int64]]()) { $0.append($1) }
        }
        for pool in pools { await pool.close() }

        #expect(Set(results[0]).isDisjoint(with: Set(results[1])))
        for ids in results {
            #expect(ids.count == perAllocator)
            #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "ids of one allocator increase")
            // Blocks are aligned to the increment: each starts at 1 + k * increment.
            #expect(ids.allSatisfy { $0 > 0 })
            let blockStarts = Set(ids.map { ($0 - 1) / increment })
            #expect(blockStarts.count >= 3)
        }
    }

    @Test("the block size is read from the sequence, not assumed")
    func blockSizeComesFromTheSequence() async throws {
        try await PostgresTestSupport.withScratchSchema(poolSize: 2) { pool, _ in
            try await pool.execute("CREATE SEQUENCE sol_blocks START WITH 1 INCREMENT BY 7")
            let source = PostgresPedidoIDBlockSource(pool: pool, sequence: "sol_blocks")
            let first = try await source.nextBlock()
            let second = try await source.nextBlock()
            #expect(first == 1..<8)
            #expect(second == 8..<15)

            let allocator = BlockPedidoIDAllocator(source: source)
            var ids: [Int64] = []
            for _ in 0..<20 { ids.append(try await allocator.nextID()) }
            #expect(ids == Array(15..<35))
        }
    }

    @Test("reserving a block reads only its own sequence: it does not wait on one another session is dropping")
    func blockReservationIgnoresOtherSequences() async throws {
        try await PostgresTestSupport.withScratchSchema(poolSize: 2) { pool, _ in
            try await pool.execute("CREATE SEQUENCE sol_blocks START WITH 1 INCREMENT BY 5")
            try await pool.execute("CREATE SEQUENCE sol_other")
            let source = PostgresPedidoIDBlockSource(pool: pool, sequence: "sol_blocks")
            let reserved = LockedValue<Result<Range<Int64>, any Error>?>(nil)
            // The DROP holds sol_other's exclusive lock until this transaction ends; reading every sequence's
            // last value (the pg_sequences view) would wait for it and then fail, as concurrent tests showed.
            try await pool.withTransaction { transaction in
                try await transaction.execute("DROP SEQUENCE sol_other")
                let reservation = Task {
                    let result: Result<Range<Int64>, any Error>
                    do { result = .success(try await source.nextBlock()) } catch { result = .failure(error) }
                    reserved.withValue { $0 = result }
                }
                defer { reservation.cancel() }
                try await waitUntil("a block reserved while sol_other is being dropped", timeout: .seconds(10)) {
                    reserved.withValue { $0 != nil }
                }
            }
            #expect(try reserved.withValue { try $0?.get() } == 1..<6)
        }
    }

    @Test("the next block is reserved in the background once half of the current one is used")
    func allocatorPrefetchesBeforeRunningOut() async throws {
        let source = MemoryPedidoIDBlockSource(blockSize: 10)
        let allocator = BlockPedidoIDAllocator(source: source)
        try await allocator.prefetch()
        #expect(source.calls == 1)
        for expected in Int64(1)...4 { #expect(try await allocator.nextID() == expected) }
        #expect(source.calls == 1, "no reservation while more than half of the block is left")
        #expect(try await allocator.nextID() == 5)
        try await waitUntil("the spare block is reserved", timeout: .seconds(5)) { allocator.available == 15 }
        #expect(source.calls == 2)
        for expected in Int64(6)...20 { #expect(try await allocator.nextID() == expected) }
    }

    @Test("when the id source fails, only calls that need a new block fail, the source is not hammered, and allocation recovers")
    func allocatorSurvivesSourceFailures() async throws {
        let source = MemoryPedidoIDBlockSource(blockSize: 4)
        let allocator = BlockPedidoIDAllocator(source: source, retryDelay: .milliseconds(300))
        #expect(try await allocator.nextID() == 1)
        source.setFailing(true)
        // The rest of the block is still served while the source is down.
        #expect(try await allocator.nextID() == 2)
        #expect(try await allocator.nextID() == 3)
        #expect(try await allocator.nextID() == 4)
        await #expect(throws: PedidoIDAllocationError.self) { try await allocator.nextID() }
        // Within the retry delay, callers fail at once without asking the source again.
        let calls = source.calls
        await #expect(throws: PedidoIDAllocationError.self) { try await allocator.nextID() }
        #expect(source.calls == calls)
        source.setFailing(false)
        var next: Int64?
        try await waitUntil("allocation recovers", timeout: .seconds(5)) {
            next = try? await allocator.nextID()
            return next != nil
        }
        #expect(try #require(next) > 4)
    }

    @Test("no id or unacknowledged publication: 503 problem with Retry-After, and nothing accepted")
    func unavailableDependenciesAnswer503() async throws {
        let source = MemoryPedidoIDBlockSource(blockSize: 100)
        let publisher = RecordingPedidoPublisher()
        let app = solicitudesRouterApplication(allocator: BlockPedidoIDAllocator(source: source, retryDelay: .zero), publisher: publisher)
        try await app.test(.router) { client in
            publisher.fail(with: KafkaError(kind: .timedOut, message: "test: broker down"))
            let brokerDown = try await Support.post(client, Support.validBody)
            #expect(brokerDown.status == .serviceUnavailable)
            #expect(brokerDown.headers[.retryAfter] == "5")
            #expect(brokerDown.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(try Support.json(brokerDown)["status"] == .number("503"))

            publisher.fail(with: nil)
            source.setFailing(true)
            // Use up the block so the next order needs the (failing) source.
            for _ in 0..<99 { _ = try await Support.post(client, Support.validBody) }
            let noIDs = try await Support.post(client, Support.validBody)
            #expect(noIDs.status == .serviceUnavailable)
            #expect(noIDs.headers[.retryAfter] == "5")
            #expect(publisher.pedidos.count == 99)

            source.setFailing(false)
            #expect(try await Support.post(client, Support.validBody).status == .accepted)
        }
    }

    @Test("a publication that is never acknowledged gives up at its deadline, whatever librdkafka's own timeout")
    func publicationDeadline() async throws {
        // Nothing listens on this port: librdkafka would keep the record for its 30 s message timeout.
        let kafka = KafkaConfiguration(brokers: "127.0.0.1:\(try TestSockets.freePort())", clientID: "deadline-test")
        let producer = try KafkaProducer(configuration: kafka, properties: ["message.timeout.ms": "30000"],
                                         logger: KafkaTestSupport.logger)
        let publisher = KafkaPedidoPublisher(producer: producer, topics: PedidoTopics(prefix: Support.uniquePrefix()),
                                            deadline: .milliseconds(300))
        let pedido = Pedido(id: 1, nombre: "Pedido", precio: try Precio(literal: "1"), correo: "a@example.com", estado: .recibido)
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: PublishDeadlineExceeded.self) {
            try await publisher.publish(pedido, enteredAt: Date())
        }
        let elapsed = clock.now - started
        #expect(elapsed >= .milliseconds(300))
        // The deadline, plus at most one sweep of the producer's poller (50 ms) and scheduling.
        #expect(elapsed < .seconds(3))
        await producer.close(timeout: .milliseconds(100))
    }

    @Test("health, readiness and metrics")
    func operationalRoutes() async throws {
        let app = try await Support.application(prefix: Support.uniquePrefix())
        try await app.test(.router) { client in
            let health = try await client.executeRequest(uri: "/health", method: .get, headers: [:], body: nil)
            #expect(health.status == .ok)
            let ready = try await client.executeRequest(uri: "/ready", method: .get, headers: [:], body: nil)
            #expect(ready.status == .ok, "\(Support.text(ready))")
            #expect(try Support.json(ready)["dependencias"]?["kafka"] == .string("ok"))
            #expect(try Support.json(ready)["dependencias"]?["postgresql"] == .string("ok"))
            #expect(try await Support.post(client, Support.validBody).status == .accepted)
            let metrics = try await client.executeRequest(uri: "/metrics", method: .get, headers: [:], body: nil)
            #expect(metrics.status == .ok)
            let text = Support.text(metrics)
            #expect(text.contains("solicitudes_publish_duration_seconds"))
            #expect(text.contains(#"http_route="/pedidos""#))
        }
    }
}
