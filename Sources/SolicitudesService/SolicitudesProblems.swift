import Hummingbird
import PedidosDomain
import PedidosServiceKit

/// The problem documents (RFC 9457, Spanish) that `POST /pedidos` answers with.
public enum SolicitudesProblems {
    /// Seconds a client should wait before retrying after a `503` (`Retry-After`).
    public static let retryAfterSeconds = 5

    /// `415`: the body is not declared as JSON.
    public static func unsupportedMediaType(_ contentType: String?) -> ProblemDetails {
        let message = contentType.map { "se recibió '\(String($0.prefix(100)))'; se espera application/json" }
            ?? "falta la cabecera; se espera application/json"
        return ProblemDetails(
            status: .unsupportedMediaType, title: "Tipo de contenido no admitido",
            detail: "El pedido debe enviarse como JSON (Content-Type: application/json).",
            errors: [.init(field: "Content-Type", message: message)])
    }

    /// `413`: the body is larger than `limit` bytes.
    public static func bodyTooLarge(limit: Int) -> ProblemDetails {
        ProblemDetails(
            status: .contentTooLarge, title: "Cuerpo demasiado grande",
            detail: "El cuerpo del pedido supera el máximo de \(limit) bytes.",
            errors: [.init(field: "cuerpo", message: "supera \(limit) bytes")])
    }

    /// `400`: the body is not valid JSON. A repeated key names that field.
    public static func malformedJSON(_ failure: JSONParser.Failure) -> ProblemDetails {
        let field: String
        switch failure.kind {
        case .duplicateKey(let name): field = name
        case .malformed: field = "cuerpo"
        }
        return ProblemDetails(
            status: .badRequest, title: "JSON mal formado",
            detail: "El cuerpo no es un documento JSON válido: \(failure).",
            errors: [.init(field: field, message: failure.description)])
    }

    /// `400`: valid JSON, but not an object.
    public static func notAnObject(_ document: JSONValue) -> ProblemDetails {
        ProblemDetails(
            status: .badRequest, title: "Solicitud mal formada",
            detail: "El cuerpo debe ser un objeto JSON con los campos nombre, precio y correo; se recibió un valor de tipo \(document.typeName).",
            errors: [.init(field: "cuerpo", message: "debe ser un objeto JSON; se recibió un valor de tipo \(document.typeName)")])
    }

    /// `400`: `fields` have the wrong JSON type; `errors` lists them and any other problem of the body.
    public static func wrongTypes(_ fields: [String], errors: [ProblemDetails.FieldError]) -> ProblemDetails {
        let others = errors.count > fields.count ? " Revise también los demás campos señalados." : ""
        return ProblemDetails(
            status: .badRequest, title: "Tipos de datos incorrectos",
            detail: "Hay campos con un tipo JSON incorrecto: \(fields.joined(separator: ", ")).\(others)",
            errors: errors)
    }

    /// `422`: well-formed, but some fields are missing, invalid or not allowed.
    public static func invalidFields(_ errors: [ProblemDetails.FieldError]) -> ProblemDetails {
        ProblemDetails(
            status: .unprocessableContent, title: "Pedido no válido",
            detail: "Revise estos campos: \(fieldList(errors)).",
            errors: errors)
    }

    /// `503`: the order could not be confirmed by the broker; nothing was accepted.
    public static func brokerUnavailable() -> ProblemDetails {
        ProblemDetails(
            status: .serviceUnavailable, title: "Servicio no disponible",
            detail: "No se pudo registrar el pedido en este momento. Intente de nuevo en unos segundos.",
            headers: [.retryAfter: String(retryAfterSeconds)])
    }

    /// `500`: the validated order does not conform to `kafka/pedido.schema.json` (a bug); nothing was published.
    public static func contractViolation() -> ProblemDetails {
        ProblemDetails(
            status: .internalServerError, title: "Error interno",
            detail: "El pedido no se pudo registrar por un error interno; no se publicó nada.")
    }

    /// `503`: the order could not be recorded in PostgreSQL (the journal of accepted orders); nothing was accepted.
    public static func journalUnavailable() -> ProblemDetails {
        ProblemDetails(
            status: .serviceUnavailable, title: "Servicio no disponible",
            detail: "No se pudo registrar el pedido en este momento. Intente de nuevo en unos segundos.",
            headers: [.retryAfter: String(retryAfterSeconds)])
    }

    /// `503`: no order number could be assigned (the id store is unreachable).
    public static func idsUnavailable() -> ProblemDetails {
        ProblemDetails(
            status: .serviceUnavailable, title: "Servicio no disponible",
            detail: "No se pudo asignar un número de pedido en este momento. Intente de nuevo en unos segundos.",
            headers: [.retryAfter: String(retryAfterSeconds)])
    }

    private static func fieldList(_ errors: [ProblemDetails.FieldError]) -> String {
        var seen = Set<String>()
        return errors.map(\.field).filter { seen.insert($0).inserted }.joined(separator: ", ")
    }
}
