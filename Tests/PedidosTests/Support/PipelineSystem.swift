import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import PedidosDomain

/// The three services running as real processes (debug binaries, started by `scripts/services.sh`)
/// on their own ports and their own topic prefix, for whole-system and fault-injection tests.
/// They are stopped when the test process exits (``TestProcessSweeper``); `scripts/test.sh` also stops
/// whatever is left under `.run/e2e-*` when the tests end.
///
/// With `stageWorkers`, procesamiento is not started as one all-stages service: each stage gets its own
/// worker processes from `scripts/scale-workers.sh` (one per stage at first), whose PID and port files
/// live in the same `.run/e2e-*` directory, so the same clean-up stops them.
actor PipelineSystem {
    static let shared = PipelineSystem()

    let delay: Duration
    /// Added to (and overriding) the services' environment: the reconciler's schedule, `PEDIDOS_RUN` of an infrastructure of the test's own…
    let extraEnvironment: [String: String]
    let prefix: String
    let stageWorkers: Bool
    // Free ports chosen by the kernel, so a leftover process from an earlier run cannot answer for us.
    let solicitudesPort = (try? TestSockets.freePort()) ?? 18080
    let notificacionesPort = (try? TestSockets.freePort()) ?? 18081
    let procesamientoPort = (try? TestSockets.freePort()) ?? 18082
    /// First port `scale-workers.sh` tries for its workers (it skips busy ones upwards).
    let workersBasePort = (try? TestSockets.freePort()) ?? 18100
    private var started = false

    /// - Parameters:
    ///   - name: the start of the topic prefix (a unique suffix is added).
    ///   - stageWorkers: run procesamiento as per-stage workers of `scale-workers.sh` instead of one service.
    ///   - delay: N of every state.
    ///   - extraEnvironment: more variables for the services.
    init(name: String = "e2e", stageWorkers: Bool = false, delay: Duration = .milliseconds(200),
         extraEnvironment: [String: String] = [:]) {
        prefix = TestEnvironment.uniqueName(name) + "-"
        self.stageWorkers = stageWorkers
        self.delay = delay
        self.extraEnvironment = extraEnvironment
    }

    var topics: PedidoTopics { PedidoTopics(prefix: prefix) }

    /// Where `services.sh` (and, with `stageWorkers`, `scale-workers.sh`) keep PIDs, ports and logs.
    nonisolated var serviceDirectory: URL {
        TestEnvironment.repositoryRoot.appendingPathComponent(".run/e2e-\(prefix)")
    }

    nonisolated var environment: [String: String] {
        baseEnvironment.merging(extraEnvironment) { _, new in new }
    }

    private nonisolated var baseEnvironment: [String: String] {
        [
            "PEDIDOS_TOPIC_PREFIX": prefix,
            "PEDIDOS_DELAY": "\(Int(delay.seconds * 1000))ms",
            "SOLICITUDES_PORT": "\(solicitudesPort)",
            "NOTIFICACIONES_PORT": "\(notificacionesPort)",
            "PROCESAMIENTO_PORT": "\(procesamientoPort)",
            "PEDIDOS_BIN": TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug").path,
            "PEDIDOS_SKIP_BUILD": "1",
            "PEDIDOS_SERVICE_DIR": serviceDirectory.path,
            "PEDIDOS_WORKERS_DIR": serviceDirectory.path,
            "WORKERS_BASE_PORT": "\(workersBasePort)",
            "LOG_LEVEL": "info",
            // A short SMTP timeout keeps the outbox lease short (2 × timeout + 30 s), so mails claimed by a
            // killed notificaciones are retried within the tests' deadlines.
            "SMTP_TIMEOUT_MS": "5000",
        ].merging(extraEnvironment) { _, extra in extra }
    }

    /// Starts every service not running yet (idempotent), waits until each answers `/ready`, then
    /// walks one warm-up order to `finalizado` so that every consumer group has joined (Tansu takes a
    /// few seconds per join) before a test measures anything.
    func ensureRunning() async throws {
        guard !started else { return }
        TestProcessSweeper.register(serviceDirectory)
        if stageWorkers {
            try services("start", "notificaciones", "solicitudes")
            try scaleWorkers("todos", "1")
        } else {
            try services("start")
        }
        let id = try await post(nombre: "calentamiento", correo: "warmup@\(prefix)example.com")
        let system = self
        try await waitUntil("warm-up order finalizado", timeout: .seconds(60), poll: .milliseconds(100)) { @Sendable in
            try await system.estado(of: id) == .finalizado
        }
        started = true
    }

    /// Makes the next ``ensureRunning()`` start everything again (after a test stopped processes).
    func forgetStarted() { started = false }

    /// `scripts/services.sh <arguments>` with this system's environment.
    func services(_ arguments: String...) throws {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/services.sh").path
        let status = try spawnAndWait("/bin/bash", [script] + arguments, environment: environment)
        guard status == 0 else {
            throw TestEnvironment.CommandFailed(command: "services.sh \(arguments.joined(separator: " "))", status: status)
        }
    }

    /// `scripts/scale-workers.sh <arguments>` with this system's environment; returns what it printed
    /// (stdout and stderr together).
    @discardableResult
    nonisolated func scaleWorkers(_ arguments: String...) throws -> String {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/scale-workers.sh").path
        let output = serviceDirectory.appendingPathComponent("scale-workers-\(UInt32.random(in: 0...UInt32.max)).out")
        try FileManager.default.createDirectory(at: serviceDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        // bash -c: the script's own output goes to a file the test reads afterwards.
        let status = try spawnAndWait("/bin/bash", ["-c", #"out="$1"; shift; exec /bin/bash "$@" >"$out" 2>&1"#, "scale",
                                                    output.path, script] + arguments, environment: environment)
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw TestEnvironment.CommandFailed(command: "scale-workers.sh \(arguments.joined(separator: " ")): \(text)", status: status)
        }
        return text
    }

    /// One worker process of `scale-workers.sh`, from its PID and port files.
    struct Worker: Sendable, Hashable {
        let index: Int
        let pid: Int32
        let port: Int
    }

    /// The workers `scale-workers.sh` has recorded for `estado` (live or not), by index.
    nonisolated func workers(of estado: Estado) -> [Worker] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: serviceDirectory.path)) ?? []
        func read(_ name: String) -> String? {
            (try? String(contentsOf: serviceDirectory.appendingPathComponent(name), encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return files.compactMap { file -> Worker? in
            guard file.hasPrefix(estado.rawValue + "-"), file.hasSuffix(".pid"),
                  let index = Int(file.dropFirst(estado.rawValue.count + 1).dropLast(4)),
                  let pid = read(file).flatMap({ Int32($0) }),
                  let port = read("\(estado.rawValue)-\(index).port").flatMap({ Int($0) }) else { return nil }
            return Worker(index: index, pid: pid, port: port)
        }.sorted { $0.index < $1.index }
    }

    /// The partitions of `estado`'s topic that the process on `port` owns now, from its `/asignacion`
    /// (nil when it does not answer).
    nonisolated func assignedPartitions(port: Int, estado: Estado) async -> [Int]? {
        guard let result = try? await request("GET", port: port, path: "/asignacion", contentType: nil, timeout: 3),
              result.status == 200, case .array(let stages)? = result.json?["etapas"] else { return nil }
        for stage in stages where stage["estado"] == .string(estado.rawValue) {
            guard case .array(let partitions)? = stage["particiones"] else { return [] }
            return partitions.compactMap { entry in
                if case .number(let text)? = entry["particion"] { Int(text) } else { nil }
            }.sorted()
        }
        return nil
    }

    // MARK: HTTP

    struct HTTPResult: Sendable {
        let status: Int
        let headers: [String: String]
        let body: Data
        var json: JSONValue? { try? JSONParser.parse(Array(body)) }
    }

    nonisolated func request(_ method: String, port: Int, path: String, body: String? = nil,
                             contentType: String? = "application/json", timeout: TimeInterval = 10) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let body { request.httpBody = Data(body.utf8) }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers["\(key)".lowercased()] = "\(value)" }
        return HTTPResult(status: http.statusCode, headers: headers, body: data)
    }

    /// Posts an order and returns its id (expects 202).
    nonisolated func post(nombre: String, precio: String = "759.000", correo: String) async throws -> Int64 {
        let body = #"{"nombre":"\#(nombre)","precio":\#(precio),"correo":"\#(correo)"}"#
        let result = try await request("POST", port: solicitudesPort, path: "/pedidos", body: body)
        guard result.status == 202, case .number(let text)? = result.json?["id"], let id = Int64(text) else {
            throw TestEnvironment.CommandFailed(command: "POST /pedidos → \(result.status) \(String(decoding: result.body, as: UTF8.self))", status: -1)
        }
        return id
    }

    /// The order's current state as notificaciones reports it (nil while unknown).
    nonisolated func estado(of id: Int64) async throws -> Estado? {
        let result = try await request("GET", port: notificacionesPort, path: "/pedidos/\(id)", contentType: nil)
        guard result.status == 200, case .string(let text)? = result.json?["estado"] else { return nil }
        return Estado(rawValue: text)
    }

    nonisolated func historial(of id: Int64) async throws -> JSONValue? {
        let result = try await request("GET", port: notificacionesPort, path: "/pedidos/\(id)/historial", contentType: nil)
        return result.status == 200 ? result.json : nil
    }
}
