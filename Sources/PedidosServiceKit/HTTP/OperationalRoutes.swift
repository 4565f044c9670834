import Hummingbird
import PedidosDomain

/// `GET /health` (the process answers), `GET /ready` (its dependencies answer) and `GET /metrics`
/// (Prometheus text), shared by every service.
public struct OperationalRoutes<Context: RequestContext>: Sendable {
    /// Checks each named dependency; a dependency is ready when its check does not throw.
    public typealias ReadinessCheck = @Sendable () async throws -> Void

    let checks: [(name: String, check: ReadinessCheck)]
    let service: String

    public init(service: String, checks: [(name: String, check: ReadinessCheck)]) {
        self.service = service
        self.checks = checks
    }

    public func register(on router: Router<Context>) {
        let service = self.service
        router.get("health") { _, _ in
            JSONResponse(body: .object([("estado", .string("ok")), ("servicio", .string(service))]))
        }
        router.get("ready") { _, _ in
            var results: [(key: String, value: JSONValue)] = []
            var ready = true
            for (name, check) in checks {
                do {
                    try await check()
                    results.append((name, .string("ok")))
                } catch {
                    ready = false
                    results.append((name, .string("error: \(error)")))
                }
            }
            return JSONResponse(status: ready ? .ok : .serviceUnavailable,
                                body: .object([("listo", .bool(ready)), ("servicio", .string(service)), ("dependencias", .object(results))]))
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: Observability.prometheusText())))
        }
    }
}
