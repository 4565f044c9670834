import Foundation
import NIOPosix
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

/// The group-commit batcher of solicitudes' journal, and how an order is accepted with a journal:
/// both writes or a 503, journal first while the journal is failing.
@Suite("group commit")
struct GroupCommitTests {
    @Test("concurrent submits share flushes; every item is flushed exactly once")
    func concurrentSubmitsShareFlushes() async throws {
        let flushed = LockedValue<[[Int]]>([])
        let batcher = GroupCommitBatcher<Int>(maxBatchSize: 1000, maxConcurrentFlushes: 2) { items in
            try await Task.sleep(for: .milliseconds(20))  // a round trip
            flushed.withValue { $0.append(items) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for item in 0..<500 { group.addTask { try await batcher.submit(item) } }
            try await group.waitForAll()
        }
        let batches = flushed.value
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<500))
        #expect(batches.count < 100, "500 concurrent submits took \(batches.count) flushes")
        #expect(batcher.isHealthy)
    }

    @Test("a failed flush fails its callers and marks the batcher unhealthy until a flush succeeds")
    func failureAndRecovery() async throws {
        let failing = LockedValue(true)
        struct Refused: Error {}
        let batcher = GroupCommitBatcher<Int>(maxBatchSize: 10, maxConcurrentFlushes: 1) { _ in
            if failing.value { throw Refused() }
        }
        await #expect(throws: Refused.self) { try await batcher.submit(1) }
        try await expectRecovery(of: batcher, clearing: failing, with: 2)
    }

    @Test("a flush that hangs fails its callers at the deadline and frees its slot for the next batch")
    func hungFlushTimesOut() async throws {
        let hang = LockedValue(true)
        let batcher = GroupCommitBatcher<Int>(maxBatchSize: 10, maxConcurrentFlushes: 1, deadline: .milliseconds(300)) { _ in
            if hang.value { try? await Task.sleep(for: .seconds(30)) }
        }
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: GroupCommitTimeout.self) { try await batcher.submit(1) }
        #expect(clock.now - started < .seconds(5))
        // The submit succeeds only if the hung flush's slot was freed at its deadline.
        try await expectRecovery(of: batcher, clearing: hang, with: 2)
    }

    @Test("a queued write returns at once; its ticket reports the flush's outcome whenever it is awaited")
    func queuedWriteIsAwaitedLater() async throws {
        let gate = AsyncStream.makeStream(of: Void.self)
        let flushed = LockedValue<[[Int]]>([])
        let batcher = GroupCommitBatcher<Int>(maxBatchSize: 10, maxConcurrentFlushes: 1) { items in
            for await _ in gate.stream { break }
            flushed.withValue { $0.append(items) }
        }
        let first = batcher.enqueue(1)   // starts the only flush, held at the gate
        let second = batcher.enqueue(2)  // queued behind it
        #expect(flushed.value.isEmpty)
        gate.continuation.yield()
        try await first.wait()
        #expect(flushed.value == [[1]])
        gate.continuation.yield()
        try await waitUntil("the second flush", timeout: .seconds(5), poll: .milliseconds(10)) { flushed.value.count == 2 }
        try await second.wait()  // settled before it was awaited
        #expect(flushed.value == [[1], [2]])
    }

    @Test("two flushes hung past the deadline both fail their callers; the batcher then flushes normally")
    func everyHungFlushTimesOut() async throws {
        let hang = LockedValue(true)
        let batcher = GroupCommitBatcher<Int>(maxBatchSize: 10, maxConcurrentFlushes: 2, deadline: .milliseconds(200)) { _ in
            if hang.value { try? await Task.sleep(for: .seconds(30)) }
        }
        let tickets = [batcher.enqueue(1), batcher.enqueue(2)]
        for ticket in tickets { await #expect(throws: GroupCommitTimeout.self) { try await ticket.wait() } }
        try await expectRecovery(of: batcher, clearing: hang, with: 3)
    }

    /// After a failed or late flush: the batcher reports unhealthy; once `fault` is cleared, submitting `item`
    /// succeeds and the batcher is healthy again.
    private func expectRecovery(of batcher: GroupCommitBatcher<Int>, clearing fault: LockedValue<Bool>, with item: Int,
                                sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(!batcher.isHealthy, sourceLocation: sourceLocation)
        fault.withValue { $0 = false }
        try await batcher.submit(item)
        #expect(batcher.isHealthy, sourceLocation: sourceLocation)
    }

    @Test("a flush starts on the event loop of the caller that runs on it (EventLoopTaskExecutor.run), else off it")
    func flushStartsOnCallersLoop() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let onLoop = LockedValue<[Int: Bool]>([:])
        let batcher = GroupCommitBatcher<Int>(maxBatchSize: 1, maxConcurrentFlushes: 1, deadline: nil) { items in
            onLoop.withValue { $0[items[0]] = loop.inEventLoop }
        }
        try await EventLoopTaskExecutor(eventLoop: loop).run { try await batcher.submit(1) }
        try await batcher.submit(2)
        #expect(onLoop.value == [1: true, 2: false])
    }

    // MARK: - Acceptance

    final class FakeJournal: AcceptedOrderJournal {
        let healthy: Bool
        let fails: Bool
        let events: Mutex<[String]>
        init(healthy: Bool, fails: Bool) {
            self.healthy = healthy
            self.fails = fails
            self.events = Mutex([])
        }
        var isHealthy: Bool { healthy }
        func record(_ pedido: Pedido, acceptedAt: Date) -> WriteTicket {
            events.withLock { $0.append("record \(pedido.id)") }
            let row = WriteTicket()
            row.settle(fails ? .failure(PostgresError(.connectionLost, "down")) : .success(()))
            return row
        }
        func discard(_ id: Int64) async { events.withLock { $0.append("discard \(id)") } }
    }

    final class FakePublisher: PedidoPublisher {
        let fails: Bool
        let published: Mutex<[Int64]> = Mutex([])
        init(fails: Bool) { self.fails = fails }
        func publish(_ pedido: Pedido, enteredAt: Date) async throws {
            published.withLock { $0.append(pedido.id) }
            if fails { throw PublishDeadlineExceeded(deadline: .seconds(4)) }
        }
    }

    static func pedido(_ id: Int64) throws -> Pedido {
        Pedido(id: id, nombre: "Prueba", precio: try Precio(literal: "1.50"), correo: "a@b.test", estado: .recibido)
    }

    static func acceptance(_ journal: FakeJournal, _ publisher: FakePublisher) -> OrderAcceptance {
        OrderAcceptance(publisher: publisher, journal: journal, logger: NotificacionesTestSupport.logger)
    }

    @Test("healthy journal and broker: accepted, written to both")
    func acceptedWhenBothSucceed() async throws {
        let journal = FakeJournal(healthy: true, fails: false)
        let publisher = FakePublisher(fails: false)
        try await Self.acceptance(journal, publisher).accept(try Self.pedido(1), at: Date())
        #expect(journal.events.withLock { $0 } == ["record 1"])
        #expect(publisher.published.withLock { $0 } == [1])
    }

    @Test("journal failing (known down): 503 and nothing published")
    func journalDownPublishesNothing() async throws {
        let journal = FakeJournal(healthy: false, fails: true)
        let publisher = FakePublisher(fails: false)
        await #expect(throws: ProblemDetails.self) { try await Self.acceptance(journal, publisher).accept(try Self.pedido(2), at: Date()) }
        #expect(publisher.published.withLock { $0 }.isEmpty)
    }

    @Test("broker failing after the journal row was written: 503 and the row is discarded")
    func brokerDownDiscardsTheRow() async throws {
        for healthy in [true, false] {
            let journal = FakeJournal(healthy: healthy, fails: false)
            let publisher = FakePublisher(fails: true)
            do {
                try await Self.acceptance(journal, publisher).accept(try Self.pedido(3), at: Date())
                Issue.record("accepted although the broker failed")
            } catch let problem as ProblemDetails {
                #expect(problem.status == .serviceUnavailable)
            }
            #expect(journal.events.withLock { $0 } == ["record 3", "discard 3"])
        }
    }
}
