import Hummingbird
import Logging
import PedidosDomain
import PedidosPostgres
import PedidosServiceKit

/// `GET /pedidos/:id` and `GET /pedidos/:id/historial`.
///
/// Answers are written from ``JSONValue`` (never `JSONEncoder`), so `precio` is the exact text the client
/// sent (`759.000` stays `759.000`). Errors are `application/problem+json` in Spanish: 400 for an id that
/// is not a positive 64-bit integer, 404 for an unknown order, 503 when PostgreSQL does not answer.
public struct PedidoController<Context: RequestContext>: Sendable {
    let repository: any PedidoRepository

    public init(repository: any PedidoRepository) {
        self.repository = repository
    }

    /// Registers the routes on `group` (mounted at `/pedidos`).
    public func addRoutes(to group: RouterGroup<Context>) {
        group.get(":id", use: show)
        group.get(":id/historial", use: historial)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        try await answer(request, context: context) { id in
            try await repository.pedido(id: id)?.jsonValue
        }
    }

    @Sendable func historial(_ request: Request, context: Context) async throws -> Response {
        try await answer(request, context: context) { id in
            try await repository.historial(id: id)?.jsonValue
        }
    }

    private func answer(_ request: Request, context: Context,
                        _ load: (Int64) async throws -> JSONValue?) async throws -> Response {
        let text = context.parameters.get("id") ?? ""
        guard let id = Self.parseID(text) else {
            return try Self.invalidID(text).response(from: request, context: context)
        }
        let body: JSONValue?
        do {
            body = try await load(id)
        } catch let error as PostgresError {
            context.logger.error("pedidos: PostgreSQL query failed", metadata: ["id": "\(id)", "error": "\(error)"])
            return try ProblemDetails(
                status: .serviceUnavailable, title: "Servicio no disponible",
                detail: "No se pudo consultar la base de datos. Intenta de nuevo en unos segundos.",
                headers: [.retryAfter: "1"]
            ).response(from: request, context: context)
        }
        guard let body else {
            return try ProblemDetails(
                status: .notFound, title: "Pedido no encontrado",
                detail: "No hay ningún pedido con id \(id) registrado. Un pedido recién aceptado aparece en cuanto se registra su estado recibido (normalmente en menos de un segundo)."
            ).response(from: request, context: context)
        }
        return try JSONResponse(body: body).response(from: request, context: context)
    }

    /// A positive `Int64` written with ASCII digits only (no sign, no decimals, no exponent).
    static func parseID(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let id = Int64(text), id > 0
        else { return nil }
        return id
    }

    static func invalidID(_ text: String) -> ProblemDetails {
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return ProblemDetails(
            status: .badRequest, title: "Id de pedido no válido",
            detail: "El id «\(shown)» no es un entero positivo.",
            errors: [.init(field: "id", message: "debe ser un entero positivo entre 1 y \(Int64.max)")])
    }
}
