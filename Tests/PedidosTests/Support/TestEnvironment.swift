import Foundation

/// The environment that `scripts/test.sh` prepares: endpoints of the real broker, PostgreSQL and SMTP
/// server it started (from `.run/infra.env`), plus a way to drive `scripts/infra.sh` for fault injection.
enum TestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let name: String
        var description: String { "environment variable \(name) is not set: run the tests through scripts/test.sh" }
    }

    /// The repository root (two levels above this file's directory).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func value(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func require(_ name: String) throws -> String {
        guard let value = value(name) else { throw Missing(name: name) }
        return value
    }

    static func kafkaBrokers() throws -> String { try require("KAFKA_BROKERS") }
    static func databaseURL() throws -> String { try require("DATABASE_URL") }
    static func smtpURL() throws -> String { try require("SMTP_URL") }
    static func smtpStore() throws -> String { try require("SMTP_STORE") }

    /// A name unique to this test run, for topics, groups and databases.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UInt32.random(in: 0...UInt32.max))-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Runs `scripts/infra.sh <arguments>` (the one named by `PEDIDOS_INFRA`, set in `.run/infra.env`)
    /// and throws if it fails.
    static func infra(_ arguments: String...) throws {
        let script = value("PEDIDOS_INFRA") ?? repositoryRoot.appendingPathComponent("scripts/infra.sh").path
        let status = try spawnAndWait("/bin/bash", [script] + arguments)
        guard status == 0 else {
            throw CommandFailed(command: "infra.sh \(arguments.joined(separator: " "))", status: status)
        }
    }

    /// The PID of the embedded server's postmaster (first line of `postmaster.pid`), if there is one.
    static func embeddedPostmasterPID() -> Int32? {
        let run = value("PEDIDOS_RUN").map { URL(fileURLWithPath: $0) } ?? repositoryRoot.appendingPathComponent(".run")
        let file = run.appendingPathComponent("postgres/data/postmaster.pid")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    struct CommandFailed: Error, CustomStringConvertible {
        let command: String
        let status: Int32
        var description: String { "\(command) exited with status \(status)" }
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    let after: Duration
    var description: String { "timed out after \(after) waiting for \(what)" }
}

/// Polls `condition` until it returns true or `timeout` passes (then throws `TimedOut`).
/// This is how tests wait: on a condition with a deadline, never on a fixed sleep.
func waitUntil(
    _ what: String,
    timeout: Duration = .seconds(20),
    poll: Duration = .milliseconds(50),
    _ condition: () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return }
        if clock.now >= deadline { throw TimedOut(what: what, after: timeout) }
        try await Task.sleep(for: poll)
    }
}
