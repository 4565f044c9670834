import Hummingbird
import PedidosDomain
import Synchronization

/// `GET /health` (the process answers), `GET /ready` (it will handle work on time now: its dependencies
/// answer and its consumers, if any, own their partitions) and `GET /metrics` (Prometheus text), shared by
/// every service. A readiness result is reused for `readinessCacheTTL` (1 s), so that frequent probes do
/// not each cost a round trip to every dependency.
public struct OperationalRoutes<Context: RequestContext>: Sendable {
    /// Checks each named dependency; a dependency is ready when its check does not throw.
    public typealias ReadinessCheck = @Sendable () async throws -> Void

    let checks: [(name: String, check: ReadinessCheck)]
    let service: String
    let cache: ReadinessCache

    public init(service: String, checks: [(name: String, check: ReadinessCheck)], readinessCacheTTL: Duration = .seconds(1)) {
        self.service = service
        self.checks = checks
        self.cache = ReadinessCache(ttl: readinessCacheTTL)
    }

    /// The last readiness result and when it was computed.
    final class ReadinessCache: Sendable {
        let ttl: Duration
        private let last = Mutex<(at: ContinuousClock.Instant, ready: Bool, body: JSONValue)?>(nil)
        init(ttl: Duration) { self.ttl = ttl }
        func fresh() -> (ready: Bool, body: JSONValue)? {
            last.withLock { entry in
                guard let entry, ContinuousClock.now - entry.at < ttl else { return nil }
                return (entry.ready, entry.body)
            }
        }
        func store(ready: Bool, body: JSONValue) { last.withLock { $0 = (.now, ready, body) } }
    }

    public func register(on router: Router<Context>) {
        let service = self.service
        router.get("health") { _, _ in
            JSONResponse(body: .object([("estado", .string("ok")), ("servicio", .string(service))]))
        }
        let cache = self.cache
        router.get("ready") { _, _ in
            if let cached = cache.fresh() {
                return JSONResponse(status: cached.ready ? .ok : .serviceUnavailable, body: cached.body)
            }
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
            let body = JSONValue.object([("listo", .bool(ready)), ("servicio", .string(service)), ("dependencias", .object(results))])
            cache.store(ready: ready, body: body)
            return JSONResponse(status: ready ? .ok : .serviceUnavailable, body: body)
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: Observability.prometheusText())))
        }
    }
}
