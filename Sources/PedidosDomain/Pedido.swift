import Foundation

/// An order: what the client sent, the id the system gave it, and the state it is in.
public struct Pedido: Sendable, Hashable {
    /// Unique positive id (allocated by solicitudes).
    public let id: Int64
    public let nombre: String
    public let precio: Precio
    public let correo: String
    public var estado: Estado

    public init(id: Int64, nombre: String, precio: Precio, correo: String, estado: Estado) {
        self.id = id
        self.nombre = nombre
        self.precio = precio
        self.correo = correo
        self.estado = estado
    }

    /// The order in another state.
    public func with(estado: Estado) -> Pedido {
        var copy = self
        copy.estado = estado
        return copy
    }

    /// `{"id","nombre","precio","correo","estado"}` in that order, precio written exactly as received:
    /// the shape of the assignment's example, used on Kafka and in HTTP answers.
    public var jsonValue: JSONValue {
        .object([
            ("id", .number(String(id))),
            ("nombre", .string(nombre)),
            ("precio", .number(precio.text)),
            ("correo", .string(correo)),
            ("estado", .string(estado.rawValue)),
        ])
    }

    /// Compact JSON text of ``jsonValue``.
    public var json: String { jsonValue.serialized }

    /// Reads an order from its JSON form (extra fields are ignored, for forward compatibility).
    public init(json: JSONValue) throws(PedidoDecodingError) {
        guard case .object = json else { throw .init("el pedido no es un objeto JSON") }
        guard case .number(let idText)? = json["id"], let id = Int64(idText), id > 0 else {
            throw .init("id ausente o no es un entero positivo")
        }
        guard case .string(let nombre)? = json["nombre"] else { throw .init("nombre ausente") }
        guard case .number(let precioText)? = json["precio"], let precio = try? Precio(literal: precioText) else {
            throw .init("precio ausente o no válido")
        }
        guard case .string(let correo)? = json["correo"] else { throw .init("correo ausente") }
        guard case .string(let estadoText)? = json["estado"], let estado = Estado(rawValue: estadoText) else {
            throw .init("estado ausente o desconocido")
        }
        self.init(id: id, nombre: nombre, precio: precio, correo: correo, estado: estado)
    }
}

/// A Kafka record or stored document that is not a valid order.
public struct PedidoDecodingError: Error, Sendable, CustomStringConvertible {
    public let message: String
    package init(_ message: String) { self.message = message }
    public var description: String { message }
}
