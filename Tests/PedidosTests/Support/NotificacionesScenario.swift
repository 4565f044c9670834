import Foundation
import Hummingbird
@testable import PedidosKafka
@testable import PedidosPostgres
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import NotificacionesService

/// The world of one notificaciones test on the real infrastructure: its own topics (so its own consumer
/// group), a block of order ids, a recipient no other test uses, a producer, and a pool for looking at
/// the tables. Call ``close()`` at the end.
struct NotificacionesScenario {
    typealias Support = NotificacionesTestSupport

    /// One row per state, as `transitionCounts` reports a complete order.
    static let oneRowPerState = Dictionary(uniqueKeysWithValues: Estado.allCases.map { ($0.rawValue, 1) })

    let prefix: String
    let environment: ServiceEnvironment
    /// The first of the order ids reserved for this test.
    let baseID: Int64
    let recipient: String
    let producer: KafkaProducer
    /// Connects lazily, so it may be made while PostgreSQL is down.
    let pool: PostgresPool

    var topics: PedidoTopics { environment.topics }

    init(_ tag: String, overrides: [String: String] = [:]) throws {
        prefix = Support.uniquePrefix(tag)
        environment = try Support.environment(prefix: prefix, overrides: overrides)
        baseID = Support.orderIDBase()
        recipient = Support.recipient(tag)
        producer = try Support.producer()
        pool = try Support.pool()
    }

    /// Order `baseID + index`, in state recibido, for this test's recipient.
    func pedido(_ index: Int64 = 0, nombre: String, precio: String) throws -> Pedido {
        Pedido(id: baseID + index, nombre: nombre, precio: try Precio(literal: precio), correo: recipient, estado: .recibido)
    }

    /// Publishes `pedido` in `estado` on this test's topics, entered at `date`.
    func publish(_ pedido: Pedido, _ estado: Estado, at date: Date = Date()) async throws {
        try await Support.publish(pedido, estado, at: date, topics: topics, with: producer)
    }

    /// Publishes the four transitions of `pedido`, in order, entered now.
    func publishEveryState(of pedido: Pedido) async throws {
        for estado in Estado.allCases { try await publish(pedido, estado) }
    }

    /// A notificaciones application on this test's environment, not started yet.
    func application() async throws -> some ApplicationProtocol {
        try await buildNotificacionesApplication(environment: environment, logger: Support.logger)
    }

    /// Number of `order_transitions` rows per state of `id`.
    func transitionCounts(_ id: Int64) async throws -> [String: Int] {
        try await Support.transitionCounts(pool, id: id)
    }

    /// This test's mails once every outbox row of `orders` is `sent`.
    func waitForAllSent(_ orders: [Int64], expected: Int, timeout: Duration = .seconds(60)) async throws -> [StoredMail] {
        try await Support.waitForAllSent(pool, orders: orders, expected: expected, recipient: recipient, timeout: timeout)
    }

    func close() async {
        await producer.close()
        await pool.close()
    }
}
