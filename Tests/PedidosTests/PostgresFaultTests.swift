import Foundation
import Testing
@testable import PedidosPostgres
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Restarts the shared PostgreSQL server under a live pool. Run serially and apart from the other suites
/// (the test script does that for every `*FaultTests` suite): while the server is down every other
/// PostgreSQL test would fail. Within one process, `.postgresServer(.exclusive)` keeps `PostgresTests` out.
@Suite("PostgreSQL faults", .serialized, .timeLimit(.minutes(3)), .postgresServer(.exclusive))
struct PostgresFaultTests {
    @Test("after the server is killed, the dead connection reports a lost connection and the same pool recovers")
    func serverKilled() async throws {
        var postmaster: Int32?
        try await exerciseRestart(
            stop: {
                postmaster = TestEnvironment.embeddedPostmasterPID()
                try TestEnvironment.infra("kill", "postgres")
            },
            beforeRestart: {
                // `infra.sh kill` returns once the port is closed, but the killed postmaster can stay a zombie for
                // a moment (until PID 1 reaps it); `pg_ctl status`, and so `infra.sh up`, would take it for a running
                // server and wait for it in vain. Wait until the process is really gone.
                if let postmaster {
                    try await waitUntil("the killed postmaster (pid \(postmaster)) to be reaped", timeout: .seconds(30)) {
                        kill(postmaster, 0) != 0
                    }
                }
            })
    }

    @Test("after a graceful restart the same pool recovers")
    func serverRestarted() async throws {
        try await exerciseRestart(stop: { try TestEnvironment.infra("down", "postgres") }, beforeRestart: {})
    }


    private func exerciseRestart(stop: () throws -> Void, beforeRestart: () async throws -> Void) async throws {
        let pool = try PostgresTestSupport.pool(poolSize: 4)
        // Open all four connections so that every slot holds one that the restart will break.
        let pids = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<8 {
                group.addTask { try await pool.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.1)")[0].int64("pid") }
            }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(pids.count >= 2)

        do {
            try stop()
            let clock = ContinuousClock()
            let start = clock.now
            let lost = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(lost?.kind == .connectionLost, "\(String(describing: lost))")
            #expect(lost?.isConnectionError == true)
            #expect(lost?.isTransient == true)

            // While the server stays down, calls keep failing fast with connection errors (nothing hangs).
            for _ in 0..<3 {
                let down = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
                #expect(down?.isConnectionError == true, "\(String(describing: down))")
            }
            #expect(clock.now - start < .seconds(15))
        } catch {
            try? await beforeRestart()
            try? await Self.startPostgres()
            throw error
        }

        try await beforeRestart()
        try await Self.startPostgres()
        try await waitUntil("the pool to answer again", timeout: .seconds(60)) {
            (try? await pool.query("SELECT 1")) != nil
        }
        // Every slot works again: connections opened before the restart were replaced, not reused.
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<16 {
                group.addTask { try await pool.query("SELECT $1::int8 AS n, pg_sleep(0.02)", [.int(index)])[0].int("n") }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.sorted() == Array(0..<16))
        let zone = try await pool.withTransaction { tx in
            try await tx.query("SELECT current_setting('TimeZone') AS zone")[0].string("zone")
        }
        #expect(zone == "UTC")
        await pool.close()
    }

    /// Runs `scripts/infra.sh up postgres`.
    ///
    /// Not through `TestEnvironment.infra`: Foundation's `Process` on Linux notices the child's exit when a
    /// socket it hands to the child is closed, and the daemonised postmaster inherits that socket, so
    /// `waitUntilExit()` would block for as long as PostgreSQL runs. Here the script is spawned with
    /// `posix_spawn` (no such socket), with inherited descriptors closed, and awaited with `waitpid` on a thread
    /// of its own.
    static func startPostgres() async throws {
        // The wrapper closes every inherited descriptor above 2 first, so the daemon keeps none of ours.
        let closeInherited = #"for fd in $(ls /proc/$$/fd 2>/dev/null); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec /bin/bash "$0" "$@""#
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/infra.sh").path
        let arguments = ["/bin/bash", "-c", closeInherited, script, "up", "postgres"]
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                let argv = arguments.map { strdup($0) } + [nil]
                let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
                defer {
                    argv.forEach { free($0) }
                    envp.forEach { free($0) }
                }
                var pid: pid_t = 0
                let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, argv, envp)
                guard spawned == 0 else {
                    continuation.resume(throwing: POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO))
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        // WIFEXITED && WEXITSTATUS == 0 (the C macros are not imported).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TestEnvironment.CommandFailed(command: "infra.sh up postgres", status: status)
        }
    }
}
