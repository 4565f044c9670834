import Hummingbird
import PedidosDomain

/// Turns the errors Hummingbird itself throws (no route for the path, a body it could not read…) into
/// Spanish `application/problem+json` documents, like every other error the services answer, instead of
/// an empty body without a content type. Given the service's OpenAPI document, a method the document
/// does not list for a path it does list is `405 Method Not Allowed` with `Allow` (Hummingbird answers 404).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Path templates (`/pedidos/{id}` split in segments) and their methods, from the OpenAPI document.
    let routes: [(segments: [Substring], methods: [String])]

    public init(openAPI document: String? = nil) {
        routes = document.map(Self.routes(in:)) ?? []
    }

    /// The documented methods of each path of an OpenAPI document (path items may be `$ref`s).
    static func routes(in text: String) -> [(segments: [Substring], methods: [String])] {
        guard let document = try? JSONParser.parse(text), case .object(let paths)? = document["paths"] else { return [] }
        let verbs = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        return paths.map { path, item in
            var item = item
            if case .string(let reference)? = item["$ref"], reference.hasPrefix("#/") {
                item = reference.dropFirst(2).split(separator: "/").reduce(document as JSONValue?) { $0?[String($1)] } ?? item
            }
            let methods: [String] = if case .object(let members) = item { members.map(\.key).filter(verbs.contains).map { $0.uppercased() } } else { [] }
            return (path.split(separator: "/"), methods)
        }
    }

    /// The documented methods of the path `path`, if the document lists it.
    func methods(for path: String) -> [String]? {
        let segments = path.split(separator: "/")
        return routes.first { route in
            route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { template, segment in
                (template.hasPrefix("{") && template.hasSuffix("}")) || template == segment
            }
        }?.methods
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as ProblemDetails {
            return try problem.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            if error.status == .notFound, let allowed = methods(for: request.uri.path), !allowed.isEmpty {
                return try Self.problem(for: .methodNotAllowed, path: request.uri.path,
                                        headers: [.allow: allowed.joined(separator: ", ")])
                    .response(from: request, context: context)
            }
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
