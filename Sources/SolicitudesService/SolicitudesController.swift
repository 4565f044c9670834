import Foundation
import Hummingbird
import Logging
import PedidosDomain
import PedidosServiceKit

/// `POST /pedidos`: validates a new order, gives it an id, publishes it to `recibido` and answers
/// `202 Accepted` once the broker acknowledged it.
///
/// Rejected requests (`400`, `413`, `415`, `422`) publish nothing; when no id can be assigned or the
/// broker does not confirm the order in time, the answer is `503` with `Retry-After` and the client may
/// retry. The answer is never `2xx` for an order that is not in Kafka.
public struct SolicitudesController<Context: RequestContext>: Sendable {
    /// Largest accepted body, in bytes (16 KiB).
    public static var maximumBodySize: Int { 16 * 1024 }

    let allocator: any PedidoIDAllocator
    let acceptance: OrderAcceptance
    let logger: Logger

    /// - Parameters:
    ///   - allocator: gives each accepted order its id.
    ///   - publisher: publishes it; the answer waits for its acknowledgement.
    ///   - journal: records it durably (see ``OrderAcceptance``); the answer waits for that too.
    public init(allocator: any PedidoIDAllocator, publisher: any PedidoPublisher,
                journal: (any AcceptedOrderJournal)? = nil, logger: Logger) {
        self.allocator = allocator
        self.acceptance = OrderAcceptance(publisher: publisher, journal: journal, logger: logger)
        self.logger = logger
    }

    /// The routes, relative to where they are mounted (`router.addRoutes(controller.routes, atPath: "pedidos")`).
    public var routes: RouteCollection<Context> {
        let routes = RouteCollection(context: Context.self)
        routes.post(use: create)
        return routes
    }

    /// Handles `POST /pedidos`. Problems are answered here, not thrown, so that metrics see their status.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        do {
            let order = try await Self.readOrder(request)
            let id: Int64
            do {
                id = try await allocator.nextID()
            } catch {
                logger.error("no order id available", metadata: ["error": "\(error)"])
                throw SolicitudesProblems.idsUnavailable()
            }
            let pedido = order.pedido(id: id, estado: .recibido)
            try await acceptance.accept(pedido, at: Date())
            logger.debug("order accepted", metadata: ["id": "\(id)"])
            return try JSONResponse(status: .accepted, body: pedido.jsonValue, headers: [.location: "/pedidos/\(id)"])
                .response(from: request, context: context)
        } catch let problem as ProblemDetails {
            return try problem.response(from: request, context: context)
        }
    }

    /// Checks the media type and size, reads the body (at most ``maximumBodySize`` bytes, also when no
    /// `Content-Length` was sent) and validates it.
    /// - Throws: ``ProblemDetails`` (415, 413, 400, 422), or the error that interrupted reading the body.
    static func readOrder(_ request: Request) async throws -> PedidoRequest {
        let contentType = request.headers[.contentType]
        guard JSONMediaType.accepts(contentType) else { throw SolicitudesProblems.unsupportedMediaType(contentType) }
        if let declared = request.headers[.contentLength], let length = Int(declared), length > maximumBodySize {
            throw SolicitudesProblems.bodyTooLarge(limit: maximumBodySize)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodySize)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw SolicitudesProblems.bodyTooLarge(limit: maximumBodySize)
        }
        return try PedidoRequest(body: Array(body.readableBytesView))
    }
}
