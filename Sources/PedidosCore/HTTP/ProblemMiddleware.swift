import Hummingbird

/// Turns the errors Hummingbird itself throws (no route for the path, method not allowed, a body it
/// could not read…) into Spanish `application/problem+json` documents, like every other error the
/// services answer, instead of an empty body without a content type.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as ProblemDetails {
            return try problem.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            var headers = (error as? HTTPError)?.headers ?? [:]
            headers[.contentType] = nil
            headers[.contentLength] = nil
            return try Self.problem(for: error.status, path: request.uri.path, headers: headers)
                .response(from: request, context: context)
        }
    }

    /// The Spanish problem document for a status Hummingbird answered.
    static func problem(for status: HTTPResponse.Status, path: String, headers: HTTPFields) -> ProblemDetails {
        let shown = path.count > 80 ? String(path.prefix(80)) + "…" : path
        switch status {
        case .notFound:
            return ProblemDetails(status: status, title: "Recurso no encontrado",
                                  detail: "No existe la ruta «\(shown)».", headers: headers)
        case .methodNotAllowed:
            return ProblemDetails(status: status, title: "Método no permitido",
                                  detail: "La ruta «\(shown)» no admite ese método.", headers: headers)
        case .contentTooLarge:
            return ProblemDetails(status: status, title: "Cuerpo demasiado grande",
                                  detail: "El cuerpo de la solicitud es demasiado grande.", headers: headers)
        default:
            return ProblemDetails(status: status, title: status.reasonPhrase.isEmpty ? "Error" : status.reasonPhrase,
                                  detail: "La solicitud no se pudo atender (\(status.code)).", headers: headers)
        }
    }
}
