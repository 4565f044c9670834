import Foundation
import Testing
@testable import PedidosSupport
@testable import PedidosDomain

/// Scaling one procesamiento stage up and down with `scripts/scale-workers.sh` while orders flow, against
/// the real broker, PostgreSQL and SMTP server. Every stage runs as its own worker processes
/// (`procesamiento --estado <e> --port <p>`), topics have 6 partitions, N = 200 ms. Runs in the serial
/// phase of `scripts/test.sh` (it starts and stops processes).
///
/// Each test prints what it measured (`[escalado] …` lines): how long the group took to settle.
@Suite("Scaling procesamiento workers", .serialized, .timeLimit(.minutes(3)))
struct ScalingFaultTests {
    static let system = PipelineSystem(name: "scale", stageWorkers: true)
    var system: PipelineSystem { Self.system }
    let estado = Estado.preparando
    let partitions = 6
    /// 10 orders per second: a steady load that the debug build records and mails well within the
    /// deadlines even on a busy two-core machine (20/s took up to 35 s per test there).
    let loadInterval = Duration.milliseconds(100)

    func domain(_ name: String) -> String { "\(TestEnvironment.uniqueName(name)).example.com" }

    /// Waits until `count` live workers of the stage answer `/asignacion` with disjoint sets of
    /// `partitions / count` partitions each that together cover the topic; returns the assignment.
    @discardableResult
    func waitForBalance(workers count: Int, timeout: Duration = .seconds(40)) async throws -> [PipelineSystem.Worker: [Int]] {
        var owned: [PipelineSystem.Worker: [Int]] = [:]
        try await waitUntil("\(count) \(estado.rawValue) worker(s) with \(partitions / count) partitions each",
                            timeout: timeout, poll: .milliseconds(100)) {
            let workers = system.workers(of: estado).filter { kill($0.pid, 0) == 0 }
            guard workers.count == count else { return false }
            owned = [:]
            for worker in workers {
                guard let mine = await system.assignedPartitions(port: worker.port, estado: estado) else { return false }
                owned[worker] = mine
            }
            let all = owned.values.flatMap { $0 }
            return all.count == partitions && Set(all) == Set(0..<partitions)
                && owned.values.allSatisfy { $0.count == partitions / count }
        }
        return owned
    }

    /// Waits until `load` has placed `more` orders beyond what it had placed when called.
    func waitForOrders(_ load: LoadGenerator, more: Int) async throws {
        let target = load.count + more
        try await waitUntil("\(target) orders posted", timeout: .seconds(20), poll: .milliseconds(50)) { load.count >= target }
    }

    static func seconds(_ duration: Duration) -> String { String(format: "%.2f s", duration.seconds) }

    /// Lets 10 more orders in, stops the load, checks every order completed exactly once, and returns
    /// the ids and the longest stay in the scaled stage.
    private func finish(_ load: LoadGenerator, _ checks: PipelineChecks) async throws -> (ids: [Int64], stay: Double) {
        try await waitForOrders(load, more: 10)
        let ids = try await load.stop()
        try await checks.expectComplete(ids)
        let pool = try checks.pool()
        let stay = try await checks.longestStay(in: estado, pool: pool)
        await pool.close()
        return (ids, stay)
    }

    @Test("1 → 3 workers of a 6-partition stage: each owns 2 partitions, orders keep flowing and complete once")
    func scaleUp() async throws {
        let clock = ContinuousClock()
        let began = clock.now
        try await system.ensureRunning()
        try system.scaleWorkers(estado.rawValue, "1")
        try await waitForBalance(workers: 1)
        let warm = clock.now

        let checks = PipelineChecks(system: system, domain: domain("scale-up"))
        let load = LoadGenerator(system: system, domain: checks.domain, interval: loadInterval)
        try await waitForOrders(load, more: 10)

        let scaling = clock.now
        let output = try system.scaleWorkers(estado.rawValue, "3")
        let ready = clock.now
        let owned = try await waitForBalance(workers: 3)
        let balanced = clock.now
        #expect(!output.contains("AVISO"), "3 workers for 6 partitions is no reason for a warning: \(output)")
        // The assignment as the workers' own Prometheus gauges report it (refreshed every 2 s).
        for worker in owned.keys {
            try await waitUntil("pedidos_assigned_partitions = 2 on port \(worker.port)", timeout: .seconds(10), poll: .milliseconds(200)) {
                let metrics = try await system.request("GET", port: worker.port, path: "/metrics", contentType: nil)
                let text = String(decoding: metrics.body, as: UTF8.self)
                return text.contains(#"pedidos_assigned_partitions{estado="preparando"} 2"#)
            }
        }
        // What an operator sees: three preparando rows, partitions 0-5 between them.
        let status = try system.scaleWorkers("status")
        let rows = status.split(separator: "\n").filter { $0.hasPrefix("preparando ") }
        #expect(rows.count == 3, "status lists three preparando workers:\n\(status)")
        #expect(status.contains("preparando: 3 proceso(s), particiones asignadas 0-5"), "\(status)")

        let (ids, stay) = try await finish(load, checks)
        print("[escalado] 1→3 \(estado.rawValue): scale-workers.sh (2 nuevos, listos) \(Self.seconds(ready - scaling)), "
              + "listos→reparto 2/2/2 \(Self.seconds(balanced - ready)), total \(Self.seconds(balanced - scaling)); "
              + "\(ids.count) pedidos, estancia máxima en \(estado.rawValue) \(String(format: "%.2f", stay)) s (N = 0.2 s); "
              + "arranque+calentamiento \(Self.seconds(warm - began)), prueba \(Self.seconds(clock.now - began))")
    }

    @Test("3 → 1 workers under steady load (SIGTERM): every order finalizado once, four mails each")
    func scaleDown() async throws {
        let clock = ContinuousClock()
        let began = clock.now
        try await system.ensureRunning()
        try system.scaleWorkers(estado.rawValue, "3")
        try await waitForBalance(workers: 3)
        let warm = clock.now
        let leaving = system.workers(of: estado).suffix(2)

        let checks = PipelineChecks(system: system, domain: domain("scale-down"))
        let load = LoadGenerator(system: system, domain: checks.domain, interval: loadInterval)
        try await waitForOrders(load, more: 10)

        let scaling = clock.now
        let output = try system.scaleWorkers(estado.rawValue, "1")
        let exited = clock.now
        try await waitForBalance(workers: 1)
        let balanced = clock.now
        #expect(!output.contains("SIGKILL"), "the two workers left on SIGTERM alone: \(output)")
        for worker in leaving {
            #expect(kill(worker.pid, 0) != 0, "worker \(worker.index) (PID \(worker.pid)) is gone")
            let log = try String(contentsOf: system.serviceDirectory.appendingPathComponent("\(estado.rawValue)-\(worker.index).log"),
                                 encoding: .utf8)
            #expect(log.contains("stage stopped"), "worker \(worker.index) closed its consumer (commit + leave group)")
        }

        let (ids, stay) = try await finish(load, checks)
        print("[escalado] 3→1 \(estado.rawValue): SIGTERM→salida de los 2 workers \(Self.seconds(exited - scaling)), "
              + "salida→6 particiones en el restante \(Self.seconds(balanced - exited)), total \(Self.seconds(balanced - scaling)); "
              + "\(ids.count) pedidos, estancia máxima en \(estado.rawValue) \(String(format: "%.2f", stay)) s (N = 0.2 s); "
              + "preparación \(Self.seconds(warm - began)), prueba \(Self.seconds(clock.now - began))")
    }

    @Test("3 → 1 by SIGKILL (for comparison): the survivor takes over only after the session timeout; still complete once")
    func scaleDownByKill() async throws {
        let clock = ContinuousClock()
        try await system.ensureRunning()
        try system.scaleWorkers(estado.rawValue, "3")
        try await waitForBalance(workers: 3)
        let victims = system.workers(of: estado).suffix(2)

        let checks = PipelineChecks(system: system, domain: domain("scale-kill"))
        let load = LoadGenerator(system: system, domain: checks.domain, interval: loadInterval)
        try await waitForOrders(load, more: 10)

        let killed = clock.now
        for worker in victims { kill(worker.pid, SIGKILL) }
        // The group only notices when their sessions expire (session.timeout.ms, KafkaProfile).
        try await waitForBalance(workers: 1)
        let balanced = clock.now

        // Records the killed workers had published but not committed are published again by the
        // survivor: notificaciones must absorb the duplicates.
        let (ids, stay) = try await finish(load, checks)
        try system.scaleWorkers(estado.rawValue, "1")   // forgets the dead workers' files
        print("[escalado] 3→1 \(estado.rawValue) con SIGKILL: muerte→6 particiones en el restante \(Self.seconds(balanced - killed)); "
              + "\(ids.count) pedidos, estancia máxima en \(estado.rawValue) \(String(format: "%.2f", stay)) s (N = 0.2 s)")
    }

    @Test("scale-workers.sh stop: every worker of every stage leaves on SIGTERM and its files are removed")
    func stopAll() async throws {
        try await system.ensureRunning()
        let before = Estado.processingStages.flatMap { system.workers(of: $0) }
        #expect(before.count >= 3, "one worker per stage at least: \(before)")
        let output = try system.scaleWorkers("stop")
        #expect(!output.contains("SIGKILL"), "\(output)")
        for worker in before { #expect(kill(worker.pid, 0) != 0, "PID \(worker.pid) is gone") }
        #expect(Estado.processingStages.allSatisfy { system.workers(of: $0).isEmpty })
        let status = try system.scaleWorkers("status")
        #expect(status.contains("No hay workers en marcha"), "\(status)")
        await system.forgetStarted()
    }
}
