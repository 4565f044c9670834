import Foundation
import Hummingbird
import PedidosDomain

/// An RFC 9457 problem document (`application/problem+json`), in Spanish, naming every invalid field.
public struct ProblemDetails: Error, Sendable, ResponseGenerator {
    /// One thing wrong with one field of the request.
    public struct FieldError: Sendable, Hashable {
        public let field: String
        public let message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public let status: HTTPResponse.Status
    public let title: String
    public let detail: String
    public let errors: [FieldError]
    /// Extra response headers (e.g. `Retry-After`).
    public let headers: HTTPFields

    public init(status: HTTPResponse.Status, title: String, detail: String, errors: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers
    }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("type", .string("about:blank")),
            ("title", .string(title)),
            ("status", .number(String(status.code))),
            ("detail", .string(detail)),
        ]
        if !errors.isEmpty {
            members.append(("errores", .array(errors.map {
                .object([("campo", .string($0.field)), ("mensaje", .string($0.message))])
            })))
        }
        return .object(members)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/problem+json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: json.serialized)))
    }
}

/// A JSON document answer with an explicit status and headers.
public struct JSONResponse: ResponseGenerator, Sendable {
    public let status: HTTPResponse.Status
    public let body: JSONValue
    public let headers: HTTPFields

    public init(status: HTTPResponse.Status = .ok, body: JSONValue, headers: HTTPFields = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body.serialized)))
    }
}
