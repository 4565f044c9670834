import Foundation

/// A private instance of `scripts/smtp_server.py` that speaks TLS with a fresh self-signed certificate for
/// 127.0.0.1 (STARTTLS, or implicit TLS as SMTPS does) and requires AUTH, with its own store in a
/// temporary directory.
///
/// Use `TLSSMTPServer.with(user:password:implicitTLS:_:)`, which always stops the process and removes
/// the files.
final class TLSSMTPServer {
    let port: Int
    let directory: URL
    /// The self-signed certificate (PEM), to pass as the client's CA file.
    let certificatePath: String
    /// The server's own JSON-lines store.
    let store: MailStore
    private let arguments: [String]
    private let logPath: String
    private var process: Process?

    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts a server, runs `body`, then stops the server and removes its files whatever happened.
    static func with<T>(
        user: String, password: String, implicitTLS: Bool = false, _ body: (TLSSMTPServer) async throws -> T
    ) async throws -> T {
        let server = try await start(user: user, password: password, implicitTLS: implicitTLS)
        do {
            let result = try await body(server)
            await server.shutDown()
            return result
        } catch {
            await server.shutDown()
            throw error
        }
    }

    private init(port: Int, directory: URL, certificatePath: String, store: MailStore, arguments: [String], logPath: String) {
        self.port = port
        self.directory = directory
        self.certificatePath = certificatePath
        self.store = store
        self.arguments = arguments
        self.logPath = logPath
    }

    static func start(user: String, password: String, implicitTLS: Bool) async throws -> TLSSMTPServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pedidos-smtp-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let cert = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        do {
            try await run("/usr/bin/env", [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", key, "-out", cert,
            ], log: directory.appendingPathComponent("openssl.log").path)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }

        let python = TestEnvironment.repositoryRoot.appendingPathComponent(".deps/venv/bin/python").path
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/smtp_server.py").path
        let storePath = directory.appendingPathComponent("store.jsonl").path
        let port = try TestSockets.freePort()
        // A child spawned from a GCD thread inherits that thread's signal mask, in which SIGTERM and
        // SIGINT are blocked; `env --default-signal` unblocks them so the server can stop cleanly.
        let arguments = [
            "--default-signal=TERM,INT", python, script, "--host", "127.0.0.1", "--port", String(port),
            "--store", storePath, "--tls-cert", cert, "--tls-key", key, "--user", user, "--password", password,
        ] + (implicitTLS ? ["--implicit-tls"] : [])
        let server = TLSSMTPServer(
            port: port, directory: directory, certificatePath: cert, store: MailStore(path: storePath),
            arguments: arguments, logPath: directory.appendingPathComponent("server.log").path
        )
        do {
            try await server.launch()
        } catch {
            await server.shutDown()
            throw error
        }
        return server
    }

    /// Starts the process and waits until its port accepts connections.
    private func launch() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try log.seekToEnd()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let port = self.port
        try await waitUntil("the TLS SMTP server on port \(port)", timeout: .seconds(30)) {
            guard process.isRunning else {
                throw StartFailure(description: "smtp_server.py exited with \(process.terminationStatus): \(self.log)")
            }
            return TestSockets.acceptsConnections(port: port)
        }
    }

    /// Stops the server (closing every client connection) and starts it again on the same port.
    func restart() async throws {
        await stopProcess()
        try await launch()
    }

    /// What the server printed so far (for failure messages).
    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// Stops the process and removes the temporary directory.
    func shutDown() async {
        await stopProcess()
        try? FileManager.default.removeItem(at: directory)
    }

    /// SIGTERM (the server shuts down cleanly), SIGKILL if it is still alive after 10 s.
    private func stopProcess() async {
        guard let process, process.isRunning else { return }
        process.terminate()
        if (try? await waitUntil("smtp_server.py to exit", timeout: .seconds(10), { !process.isRunning })) == nil {
            kill(process.processIdentifier, SIGKILL)
            try? await waitUntil("smtp_server.py to die", timeout: .seconds(10), { !process.isRunning })
        }
        self.process = nil
    }

    /// Runs a short command to completion (waiting on a condition, not blocking a thread).
    private static func run(_ executable: String, _ arguments: [String], log: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try await waitUntil("\(arguments.first ?? executable) to finish", timeout: .seconds(60)) { !process.isRunning }
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw StartFailure(description: "\(executable) \(arguments.joined(separator: " ")) failed: \(output)")
        }
    }
}
