import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback TCP helpers for tests: free ports, "does this port accept connections?", and a server
/// that accepts connections but never says anything (to exercise timeouts and cancellation).
enum TestSockets {
    struct Failure: Error, CustomStringConvertible {
        let call: String
        let code: Int32
        var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
    }

    /// A port on 127.0.0.1 that nothing is bound to right now, chosen below the kernel's ephemeral range
    /// (`/proc/sys/net/ipv4/ip_local_port_range`) and never handed out twice in this process.
    ///
    /// A port the kernel picks for a probe bound to port 0 is an ephemeral one: once the probe closes it, the
    /// kernel may give it to any outgoing connection as its source port before the test's server binds it
    /// ("Address already in use" for a procesamiento worker in `ScalingFaultTests`). Below the ephemeral
    /// range only listeners compete for ports.
    static func freePort() throws -> Int {
        let upper = min(ephemeralRangeStart(), 32_768)
        let lower = 20_000
        if upper - lower >= 1_000 {
            for _ in 0..<500 {
                let port = Int.random(in: lower..<upper)
                guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
                let fd = try loopbackSocket()
                defer { close(fd) }
                if (try? bindLoopback(fd, port: port)) != nil { return port }
            }
        }
        let fd = try loopbackSocket()
        defer { close(fd) }
        try bindLoopback(fd, port: 0)
        return try localPort(of: fd)
    }

    /// Ports `freePort()` has tried or returned, so two servers of a test never get the same one.
    private static let handedOut = Mutex<Set<Int>>([])

    /// The first port the kernel uses for outgoing connections (32768 when it cannot be read).
    private static func ephemeralRangeStart() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
              let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first,
              let port = Int(first) else { return 32_768 }
        return port
    }

    /// Whether a TCP connection to 127.0.0.1:`port` succeeds (the connection is closed at once).
    static func acceptsConnections(port: Int) -> Bool {
        guard let fd = try? loopbackSocket() else { return false }
        defer { close(fd) }
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    /// A listener on 127.0.0.1 that accepts connections (the kernel completes the handshake) but sends
    /// nothing unless told to: an SMTP client waiting for the greeting hangs until its own timeout.
    final class SilentServer {
        let port: Int
        private let listener: Int32
        private var accepted: [Int32] = []

        init() throws {
            (listener, port) = try TestSockets.loopbackListener(backlog: 16)
            _ = fcntl(listener, F_SETFL, fcntl(listener, F_GETFL) | O_NONBLOCK)
        }

        /// Accepts one pending connection if there is one (without blocking) and keeps it open.
        func acceptPending() -> Bool {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return false }
            accepted.append(fd)
            return true
        }

        /// Writes `text` to every connection accepted so far (e.g. an SMTP greeting).
        func send(_ text: String) {
            let bytes = Array(text.utf8)
            for fd in accepted { _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        }

        deinit {
            for fd in accepted { close(fd) }
            close(listener)
        }
    }

    // MARK: - Plumbing

    /// A socket listening on 127.0.0.1 at a port the kernel chose, and that port.
    static func loopbackListener(backlog: Int32 = 4) throws -> (fd: Int32, port: Int) {
        let listener = try loopbackSocket()
        do {
            try bindLoopback(listener, port: 0)
            guard listen(listener, backlog) == 0 else { throw Failure(call: "listen", code: errno) }
            return (listener, try localPort(of: listener))
        } catch {
            close(listener)
            throw error
        }
    }

    static func loopbackSocket() throws -> Int32 {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        return fd
    }

    fileprivate static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func bindLoopback(_ fd: Int32, port: Int) throws {
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw Failure(call: "bind", code: errno) }
    }

    static func localPort(of fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw Failure(call: "getsockname", code: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
