import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import PedidosKafka
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import SolicitudesService

/// Shared set-up for the solicitudes suites: an isolated environment per suite (own topic prefix),
/// request helpers and a way to read what was published on the suite's `recibido` topic.
enum SolicitudesTestSupport {
    static let logger = KafkaTestSupport.logger

    /// A valid order body; `precio` keeps its trailing zeros.
    static let validBody = #"{"nombre":"Pizza margarita","precio":759.000,"correo":"ana@example.com"}"#

    /// A unique topic prefix for one suite or test.
    static func uniquePrefix(_ name: String = "sol") -> String { TestEnvironment.uniqueName(name) + "-" }

    /// The environment the service would get, pointed at the test infrastructure, with its own prefix.
    static func environment(prefix: String, partitions: Int = 3) throws -> ServiceEnvironment {
        var values = ProcessInfo.processInfo.environment
        values["KAFKA_BROKERS"] = try TestEnvironment.kafkaBrokers()
        values["DATABASE_URL"] = try TestEnvironment.databaseURL()
        values["MIGRATIONS_DIR"] = TestEnvironment.repositoryRoot.appendingPathComponent("migrations").path
        values["PEDIDOS_TOPIC_PREFIX"] = prefix
        values["KAFKA_PARTITIONS"] = String(partitions)
        values["SOLICITUDES_PORT"] = "0"
        return ServiceEnvironment(values)
    }

    /// The real application, as `solicitudes` builds it, isolated under `prefix`.
    static func application(prefix: String, partitions: Int = 3) async throws -> some ApplicationProtocol {
        Observability.bootstrapMetricsOnly()
        return try await buildSolicitudesApplication(environment: environment(prefix: prefix, partitions: partitions), logger: logger)
    }

    /// `POST /pedidos` with `body` and a `Content-Type` (none when `nil`).
    static func post(_ client: some TestClientProtocol, _ body: String,
                     contentType: String? = "application/json") async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        return try await client.executeRequest(uri: "/pedidos", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// The response body as text.
    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The response body parsed with the service's own parser.
    static func json(_ response: TestResponse) throws -> JSONValue { try JSONParser.parse(text(response)) }

    /// The id of an accepted order (from its body).
    static func id(_ response: TestResponse) throws -> Int64 {
        guard case .number(let text)? = try json(response)["id"], let id = Int64(text) else {
            throw Unexpected("no numeric id in \(text(response))")
        }
        return id
    }

    /// The `campo` of every entry of a problem document's `errores`.
    static func problemFields(_ response: TestResponse) throws -> [String] {
        guard case .array(let errors)? = try json(response)["errores"] else { return [] }
        return errors.compactMap { error in
            if case .string(let field)? = error["campo"] { return field }
            return nil
        }
    }

    /// A consumer (fresh group, from the earliest offset) collecting everything on `<prefix>recibido`.
    static func recibidoCollector(prefix: String) throws -> KafkaTestSupport.Collector {
        let consumer = try KafkaConsumer(configuration: KafkaTestSupport.configuration(clientID: "solicitudes-tests"),
                                         groupID: TestEnvironment.uniqueName("sol-check"),
                                         topics: [PedidoTopics(prefix: prefix).topic(for: .recibido)],
                                         logger: logger)
        return KafkaTestSupport.Collector(consumer)
    }

    struct Unexpected: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// An ``PedidoPublisher`` that remembers what it was given and can be told to fail.
final class RecordingPedidoPublisher: PedidoPublisher {
    private let published = LockedValue<[Pedido]>([])
    private let failure = LockedValue<(any Error)?>(nil)

    var pedidos: [Pedido] { published.value }

    func fail(with error: (any Error)?) { failure.withValue { $0 = error } }

    func publish(_ pedido: Pedido, enteredAt: Date) async throws {
        if let error = failure.value { throw error }
        published.withValue { $0.append(pedido) }
    }
}

/// An ``PedidoIDBlockSource`` handing out fixed-size blocks from memory, counting calls, able to fail.
final class MemoryPedidoIDBlockSource: PedidoIDBlockSource {
    private struct State {
        var next: Int64 = 1
        var calls = 0
        var failing = false
    }

    private let state = LockedValue(State())
    let blockSize: Int64

    init(blockSize: Int64) { self.blockSize = blockSize }

    var calls: Int { state.value.calls }

    func setFailing(_ failing: Bool) { state.withValue { $0.failing = failing } }

    func nextBlock() async throws -> Range<Int64> {
        try state.withValue { state in
            state.calls += 1
            if state.failing { throw PedidoIDAllocationError("source down (test)") }
            defer { state.next += blockSize }
            return state.next..<state.next + blockSize
        }
    }
}

/// A router with just the solicitudes controller, over the given allocator and publisher.
func solicitudesRouterApplication(allocator: any PedidoIDAllocator, publisher: any PedidoPublisher) -> some ApplicationProtocol {
    let router = Router(context: BasicRequestContext.self)
    let controller = SolicitudesController<BasicRequestContext>(allocator: allocator, publisher: publisher,
                                                                logger: SolicitudesTestSupport.logger)
    router.addRoutes(controller.routes, atPath: "pedidos")
    return Application(router: router, logger: SolicitudesTestSupport.logger)
}
