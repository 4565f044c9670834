import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops, when the test process exits, the service processes that whole-system tests started in the
/// directories registered here (every `*.pid` file in them), so a plain `swift test` leaves nothing
/// running. `scripts/test.sh` sweeps `.run/e2e-*` as well, for a test process that was killed.
enum TestProcessSweeper {
    private static let directories = Mutex<[String]?>(nil)

    /// Remembers `directory`; the first call installs the exit handler.
    static func register(_ directory: URL) {
        let first = directories.withLock { directories -> Bool in
            let first = directories == nil
            var list = directories ?? []
            if !list.contains(directory.path) { list.append(directory.path) }
            directories = list
            return first
        }
        if first { atexit { TestProcessSweeper.stopAll() } }
    }

    /// SIGTERM to every recorded process (they finish in-flight work and leave their groups), SIGKILL to
    /// those still alive after 15 s, then removes the directories.
    private static func stopAll() {
        let paths = directories.withLock { $0 ?? [] }
        var pids: [pid_t] = []
        for path in paths {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for file in files where file.hasSuffix(".pid") {
                let text = (try? String(contentsOfFile: "\(path)/\(file)", encoding: .utf8)) ?? ""
                if let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0 {
                    pids.append(pid)
                }
            }
        }
        pids.forEach { kill($0, SIGTERM) }
        let deadline = Date().addingTimeInterval(15)
        while pids.contains(where: { kill($0, 0) == 0 }) && Date() < deadline { usleep(100_000) }
        pids.filter { kill($0, 0) == 0 }.forEach { kill($0, SIGKILL) }
        paths.forEach { try? FileManager.default.removeItem(atPath: $0) }
    }
}
