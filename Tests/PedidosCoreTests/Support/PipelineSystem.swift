import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import PedidosCore

/// The three services running as real processes (debug binaries, started by `scripts/services.sh`)
/// on their own ports and their own topic prefix, for whole-system and fault-injection tests.
/// `scripts/test.sh` stops whatever is left under `.run/e2e-*` when the tests end.
actor PipelineSystem {
    static let shared = PipelineSystem()

    let delay = Duration.milliseconds(200)
    let prefix = TestEnvironment.uniqueName("e2e") + "-"
    // Free ports chosen by the kernel, so a leftover process from an earlier run cannot answer for us.
    let solicitudesPort = (try? TestSockets.freePort()) ?? 18080
    let notificacionesPort = (try? TestSockets.freePort()) ?? 18081
    let procesamientoPort = (try? TestSockets.freePort()) ?? 18082
    private var started = false

    var topics: PedidoTopics { PedidoTopics(prefix: prefix) }

    var environment: [String: String] {
        [
            "PEDIDOS_TOPIC_PREFIX": prefix,
            "PEDIDOS_DELAY": "\(Int(delay.seconds * 1000))ms",
            "SOLICITUDES_PORT": "\(solicitudesPort)",
            "NOTIFICACIONES_PORT": "\(notificacionesPort)",
            "PROCESAMIENTO_PORT": "\(procesamientoPort)",
            "PEDIDOS_BIN": TestEnvironment.repositoryRoot.appendingPathComponent(".build/debug").path,
            "PEDIDOS_SKIP_BUILD": "1",
            "PEDIDOS_SERVICE_DIR": TestEnvironment.repositoryRoot.appendingPathComponent(".run/e2e-\(prefix)").path,
            "LOG_LEVEL": "info",
            // A short SMTP timeout keeps the outbox lease short (2 × timeout + 30 s), so mails claimed by a
            // killed notificaciones are retried within the tests' deadlines.
            "SMTP_TIMEOUT_MS": "5000",
        ]
    }

    /// Starts every service not running yet (idempotent), waits until each answers `/ready`, then
    /// walks one warm-up order to `finalizado` so that every consumer group has joined (Tansu takes a
    /// few seconds per join) before a test measures anything.
    func ensureRunning() async throws {
        guard !started else { return }
        try services("start")
        let id = try await post(nombre: "calentamiento", correo: "warmup@\(prefix)example.com")
        let system = self
        try await waitUntil("warm-up order finalizado", timeout: .seconds(60), poll: .milliseconds(100)) { @Sendable in
            try await system.estado(of: id) == .finalizado
        }
        started = true
    }

    /// `scripts/services.sh <arguments>` with this system's environment.
    func services(_ arguments: String...) throws {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/services.sh").path
        let status = try spawnAndWait("/bin/bash", [script] + arguments, environment: environment)
        guard status == 0 else {
            throw TestEnvironment.CommandFailed(command: "services.sh \(arguments.joined(separator: " "))", status: status)
        }
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
