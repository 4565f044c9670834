import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An embedded broker of a test's own with the durable storage (`EMBEDDED_KAFKA_STORAGE=s3`: Tansu on an
/// embedded SeaweedFS), started, killed and restarted through `scripts/infra.sh` with its own run
/// directory (`.run/e2e-broker-*/infra`) and ports, whatever storage the suite's shared broker has.
/// PostgreSQL and the SMTP server stay the suite's.
///
/// `stop()` stops both processes and removes the directory; if the test process dies first,
/// ``TestProcessSweeper`` (at exit) and `scripts/test.sh` (`infra.sh down` on every `.run/e2e-*/infra`)
/// stop them.
struct DurableBroker: Sendable {
    /// The run directory given to `infra.sh` as `PEDIDOS_RUN` (services read its `infra.env`).
    let runDirectory: URL
    let kafkaPort: Int
    /// The S3 endpoint's port; SeaweedFS also takes the next nine.
    let s3Port: Int

    init() throws {
        runDirectory = TestEnvironment.repositoryRoot
            .appendingPathComponent(".run/\(TestEnvironment.uniqueName("e2e-broker"))/infra")
        kafkaPort = try TestEnvironment.value("PEDIDOS_TEST_KAFKA_PORT").flatMap { Int($0) }
            ?? Self.freePortRange(in: 22_000...22_999, count: 1)
        s3Port = try TestEnvironment.value("PEDIDOS_TEST_S3_PORT").flatMap { Int($0) }
            ?? Self.freePortRange(in: 23_000...23_999, count: 10)
    }

    /// `host:port` for librdkafka.
    var brokers: String { "127.0.0.1:\(kafkaPort)" }

    /// What `infra.sh` needs to act on this broker (and what the services need to find it: `PEDIDOS_RUN`).
    var environment: [String: String] {
        var environment = [
            "PEDIDOS_RUN": runDirectory.path,
            "EMBEDDED_KAFKA_PORT": "\(kafkaPort)",
            "EMBEDDED_S3_PORT": "\(s3Port)",
            "EMBEDDED_KAFKA_STORAGE": "s3",
        ]
        // The suite's PostgreSQL and SMTP server, written to this run's infra.env as given.
        for name in ["DATABASE_URL", "SMTP_URL"] { environment[name] = TestEnvironment.value(name) }
        environment["KAFKA_BROKERS"] = ""
        return environment
    }

    /// `scripts/infra.sh <arguments>` on this broker's run directory and ports.
    func infra(_ arguments: String...) throws {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/infra.sh").path
        let status = try spawnAndWait("/bin/bash", [script] + arguments, environment: environment)
        guard status == 0 else {
            throw TestEnvironment.CommandFailed(command: "infra.sh \(arguments.joined(separator: " ")) (durable broker)", status: status)
        }
    }

    /// Starts SeaweedFS and Tansu on it (returns once both answer).
    func start() throws {
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        TestProcessSweeper.register(runDirectory.appendingPathComponent("kafka"))
        TestProcessSweeper.register(runDirectory.appendingPathComponent("s3"))
        try infra("up", "kafka")
    }

    /// SIGKILL to Tansu (SeaweedFS, its disk, keeps running).
    func kill() throws { try infra("kill", "kafka") }

    /// Tansu again on the same storage: topics, records and committed offsets come back.
    func restart() throws { try infra("up", "kafka") }

    /// Stops Tansu, then SeaweedFS, and removes the run directory.
    func stop() {
        try? infra("down", "kafka", "s3")
        try? FileManager.default.removeItem(at: runDirectory.deletingLastPathComponent())
    }

    /// Copies the broker's and SeaweedFS's logs and the services' logs of `system` to
    /// `.run/fallos/<name>/` (kept after the run, unlike `.run/e2e-*`), for a failed test; returns the path.
    @discardableResult
    func keepLogs(of system: PipelineSystem, name: String) -> String {
        let target = TestEnvironment.repositoryRoot.appendingPathComponent(".run/fallos/\(TestEnvironment.uniqueName(name))")
        try? FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let sources = [runDirectory.appendingPathComponent("kafka"), runDirectory.appendingPathComponent("s3"), system.serviceDirectory]
        for directory in sources {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for file in files where file.hasSuffix(".log") {
                try? FileManager.default.copyItem(at: directory.appendingPathComponent(file),
                                                  to: target.appendingPathComponent("\(directory.lastPathComponent)-\(file)"))
            }
        }
        return target.path
    }

    /// The first of `count` consecutive loopback ports in `range` that nothing uses now (a random base,
    /// every port checked). Below the kernel's ephemeral range (32768-60999) on purpose: while the broker
    /// is down, the clients' reconnection attempts to 127.0.0.1:P walk through ephemeral source ports and,
    /// if P is one of them, one can connect to itself (TCP simultaneous open) and hold P, so the restarted
    /// broker cannot bind it. `PEDIDOS_TEST_KAFKA_PORT` / `PEDIDOS_TEST_S3_PORT` choose them instead.
    static func freePortRange(in range: ClosedRange<Int>, count: Int) throws -> Int {
        for _ in 0..<50 {
            let base = Int.random(in: range.lowerBound...(range.upperBound - count + 1))
            if (base..<base + count).allSatisfy({ !TestSockets.acceptsConnections(port: $0) && canBind($0) }) { return base }
        }
        throw TestEnvironment.CommandFailed(command: "no \(count) free consecutive ports in \(range)", status: -1)
    }

    private static func canBind(_ port: Int) -> Bool {
        guard let fd = try? TestSockets.loopbackSocket() else { return false }
        defer { close(fd) }
        return (try? TestSockets.bindLoopback(fd, port: port)) != nil
    }
}
