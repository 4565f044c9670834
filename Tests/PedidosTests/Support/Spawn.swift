#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Runs a program to completion with `posix_spawn` + `waitpid` and returns its exit status.
///
/// Foundation's `Process.waitUntilExit` was seen to miss a child's exit inside async tests (the child
/// stayed a zombie and the test hung), and its children inherit blocked SIGTERM/SIGINT. This resets the
/// signal mask and dispositions so daemons started here still stop on SIGTERM.
func spawnAndWait(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Int32 {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGTERM)
    sigaddset(&defaults, SIGINT)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var merged = ProcessInfo.processInfo.environment
    merged.merge(environment) { _, new in new }
    let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { envp.forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawnp(&pid, executable, nil, &attributes, argv, envp)
    guard result == 0 else {
        throw TestEnvironment.CommandFailed(command: "spawn \(executable): \(String(cString: strerror(result)))", status: -1)
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { throw TestEnvironment.CommandFailed(command: "waitpid \(executable)", status: -1) }
    }
    // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
    return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}
