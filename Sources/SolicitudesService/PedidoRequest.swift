import PedidosDomain
import PedidosServiceKit

/// A validated `POST /pedidos` body: `{"nombre","precio","correo"}`.
///
/// Parsing never stops at the first problem: every field that is wrong is named in the resulting
/// ``ProblemDetails``. A body that is not JSON, or not an object, is `400`; fields of the wrong JSON type
/// are `400` as well; missing fields, invalid values, `id`/`estado` (assigned by the service) and unknown
/// fields are `422`.
public struct PedidoRequest: Sendable, Hashable {
    /// The name, trimmed.
    public let nombre: String
    /// The price, exactly as written.
    public let precio: Precio
    /// The e-mail address.
    public let correo: String

    /// The fields a client must send, in the order they are reported.
    public static let requiredFields = ["nombre", "precio", "correo"]
    /// Fields the service assigns; sending them is an error.
    public static let assignedFields = ["id", "estado"]

    /// An already validated request (no checks are made here).
    public init(nombre: String, precio: Precio, correo: String) {
        self.nombre = nombre
        self.precio = precio
        self.correo = correo
    }

    /// The order this request becomes once it has an id.
    public func pedido(id: Int64, estado: Estado = .recibido) -> Pedido {
        Pedido(id: id, nombre: nombre, precio: precio, correo: correo, estado: estado)
    }

    /// Parses and validates a request body.
    /// - Throws: a ``ProblemDetails`` naming every problem (status 400 or 422).
    public init(body: [UInt8]) throws(ProblemDetails) {
        let document: JSONValue
        do throws(JSONParser.Failure) {
            document = try JSONParser.parse(body)
        } catch {
            throw SolicitudesProblems.malformedJSON(error)
        }
        try self.init(document: document)
    }

    /// Validates an already parsed document.
    /// - Throws: a ``ProblemDetails`` naming every problem (status 400 or 422).
    public init(document: JSONValue) throws(ProblemDetails) {
        guard case .object(let members) = document else {
            throw SolicitudesProblems.notAnObject(document)
        }
        // Every problem, in field order; the fields with a wrong JSON type make the answer a 400.
        var errors: [ProblemDetails.FieldError] = []
        var wrongTypeFields: [String] = []
        func wrongType(_ field: String, expected: String, got value: JSONValue) {
            wrongTypeFields.append(field)
            errors.append(.init(field: field, message: "debe ser \(expected) JSON; se recibió un valor de tipo \(value.typeName)"))
        }
        func value(of field: String) -> JSONValue? { members.first { $0.key == field }?.value }

        var nombre: String?
        switch value(of: "nombre") {
        case nil: errors.append(.init(field: "nombre", message: "es obligatorio"))
        case .string(let text)?:
            switch PedidoFieldRules.nombre(text) {
            case .success(let trimmed): nombre = trimmed
            case .failure(let problem): errors.append(.init(field: "nombre", message: problem.message))
            }
        case let other?: wrongType("nombre", expected: "un texto", got: other)
        }

        var precio: Precio?
        switch value(of: "precio") {
        case nil: errors.append(.init(field: "precio", message: "es obligatorio"))
        case .number(let literal)?:
            do throws(Precio.Problem) { precio = try Precio(literal: literal) } catch {
                errors.append(.init(field: "precio", message: error.message))
            }
        case let other?: wrongType("precio", expected: "un número", got: other)
        }

        var correo: String?
        switch value(of: "correo") {
        case nil: errors.append(.init(field: "correo", message: "es obligatorio"))
        case .string(let text)?:
            if let problem = PedidoFieldRules.correoProblem(text) {
                errors.append(.init(field: "correo", message: problem))
            } else {
                correo = text
            }
        case let other?: wrongType("correo", expected: "un texto", got: other)
        }

        for member in members where !Self.requiredFields.contains(member.key) {
            if Self.assignedFields.contains(member.key) {
                errors.append(.init(field: member.key, message: "lo asigna el servicio; no debe enviarse"))
            } else {
                errors.append(.init(field: member.key, message: "campo desconocido; solo se aceptan nombre, precio y correo"))
            }
        }

        if !wrongTypeFields.isEmpty { throw SolicitudesProblems.wrongTypes(wrongTypeFields, errors: errors) }
        if !errors.isEmpty { throw SolicitudesProblems.invalidFields(errors) }
        guard let nombre, let precio, let correo else {
            // Unreachable: every nil above recorded an error.
            throw SolicitudesProblems.invalidFields([.init(field: "cuerpo", message: "pedido incompleto")])
        }
        self.init(nombre: nombre, precio: precio, correo: correo)
    }
}
