import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import PedidosKafka
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import SolicitudesService
@testable import NotificacionesService
@testable import ProcesamientoService

/// The contracts kept in the repository (openapi/*.json, kafka/pedido.schema.json) are exactly what the
/// binaries carry and serve, and the Kafka schema is enforced as written.
@Suite("Contract documents")
struct ContractDocumentTests {
    static func file(_ path: String) throws -> String {
        try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent(path), encoding: .utf8)
    }

    @Test("the Swift copies equal the files (run scripts/contratos-swift.sh after editing them)", arguments: [
        ("openapi/solicitudes.json", OpenAPIDocuments.solicitudes),
        ("openapi/notificaciones.json", OpenAPIDocuments.notificaciones),
        ("kafka/pedido.schema.json", PedidoSchemaDocument.text),
    ])
    func embeddedCopies(_ path: String, embedded: String) throws {
        var text = try Self.file(path)
        if text.hasSuffix("\n") { text.removeLast() }
        #expect(embedded == text)
        _ = try JSONParser.parse(embedded)
    }

    @Test("every route each service registers is in its document, with every status it answers")
    func routesDocumented() throws {
        let solicitudes = try JSONParser.parse(OpenAPIDocuments.solicitudes)
        let notificaciones = try JSONParser.parse(OpenAPIDocuments.notificaciones)
        #expect(solicitudes["openapi"] == .string("3.1.0") && notificaciones["openapi"] == .string("3.1.0"))
        func paths(_ document: JSONValue) -> Set<String> {
            guard case .object(let members)? = document["paths"] else { return [] }
            return Set(members.map(\.key))
        }
        let operational: Set<String> = ["/health", "/ready", "/metrics", "/openapi.json"]
        #expect(paths(solicitudes) == operational.union(["/pedidos"]))
        #expect(paths(notificaciones) == operational.union(["/pedidos/{id}", "/pedidos/{id}/historial"]))
        func statuses(_ operation: JSONValue?) -> Set<String> {
            guard case .object(let members)? = operation?["responses"] else { return [] }
            return Set(members.map(\.key))
        }
        #expect(statuses(solicitudes["paths"]?["/pedidos"]?["post"]) == ["202", "400", "413", "415", "422", "503"])
        #expect(statuses(notificaciones["paths"]?["/pedidos/{id}"]?["get"]) == ["200", "400", "404", "503"])
        #expect(statuses(notificaciones["paths"]?["/pedidos/{id}/historial"]?["get"]) == ["200", "400", "404", "503"])
    }

    @Test("GET /openapi.json serves the document; unknown routes are problem+json 404s, undocumented methods 405s")
    func served() async throws {
        let router = Router()
        router.add(middleware: ProblemMiddleware(openAPI: OpenAPIDocuments.solicitudes))
        OpenAPIRoute.register(on: router, document: OpenAPIDocuments.solicitudes)
        try await Application(router: router).test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(String(buffer: response.body) == OpenAPIDocuments.solicitudes)
            let missing = try await client.execute(uri: "/no-existe", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json; charset=utf-8")
            let problem = try JSONParser.parse(Array(missing.body.readableBytesView))
            #expect(problem["status"] == .number("404") && problem["title"] == .string("Recurso no encontrado"))
            // A documented path with a method the document does not list: 405 with Allow.
            let trace = try await client.execute(uri: "/pedidos", method: .init("TRACE")!)
            #expect(trace.status == .methodNotAllowed)
            #expect(trace.headers[.allow] == "POST")
            #expect(trace.headers[.contentType] == "application/problem+json; charset=utf-8")
        }
    }

    static let valid = #"{"id":7,"nombre":"Macbook air M1","precio":759.000,"correo":"correopersonal@correo.com","estado":"recibido"}"#

    @Test("a record of the assignment's example conforms; unknown extra fields are allowed")
    func conforming() throws {
        #expect(PedidoSchema.problems(try JSONParser.parse(Self.valid)) == [])
        let extra = #"{"id":7,"nombre":"x","precio":0,"correo":"a@b.co","estado":"finalizado","nuevo":true}"#
        #expect(PedidoSchema.problems(try JSONParser.parse(extra)) == [])
    }

    @Test("records that break the schema are named with the reason", arguments: [
        (#"{"nombre":"x","precio":1,"correo":"a@b.co","estado":"recibido"}"#, "id: es obligatorio"),
        (#"{"id":0,"nombre":"x","precio":1,"correo":"a@b.co","estado":"recibido"}"#, "id: debe ser mayor o igual que 1"),
        (#"{"id":1.5,"nombre":"x","precio":1,"correo":"a@b.co","estado":"recibido"}"#, "id: debe ser de tipo integer; es número"),
        (#"{"id":1,"nombre":"","precio":1,"correo":"a@b.co","estado":"recibido"}"#, "nombre: tiene 0 caracteres; el mínimo es 1"),
        (#"{"id":1,"nombre":"x","precio":1e12,"correo":"a@b.co","estado":"recibido"}"#, "precio: debe ser menor que 1000000000000"),
        (#"{"id":1,"nombre":"x","precio":-0.5,"correo":"a@b.co","estado":"recibido"}"#, "precio: debe ser mayor o igual que 0"),
        (#"{"id":1,"nombre":"x","precio":5.144274342358062e-66,"correo":"a@b.co","estado":"recibido"}"#,
         "precio: debe ser múltiplo de 0.0001 (tiene 81 decimales)"),
        (#"{"id":1,"nombre":"x","precio":"1","correo":"a@b.co","estado":"recibido"}"#, "precio: debe ser de tipo number; es texto"),
        (#"{"id":1,"nombre":"x","precio":1,"correo":"no es correo","estado":"recibido"}"#, "correo: no cumple el formato email"),
        (#"{"id":1,"nombre":"x","precio":1,"correo":"a@b.co","estado":"perdido"}"#,
         #"estado: debe ser uno de "recibido", "preparando", "entregando", "finalizado""#),
        (#"[1]"#, "(documento): debe ser de tipo object; es arreglo"),
    ])
    func violations(_ json: String, problem: String) throws {
        #expect(PedidoSchema.problems(try JSONParser.parse(json)).contains(problem))
    }

    static let everyKeyword = #"""
        {"type":"object","required":["lista","fijo"],"properties":{
          "lista":{"type":"array","minItems":2,"maxItems":3,"items":{"type":"string","maxLength":3}},
          "fijo":{"const":"sí"},
          "n":{"type":["integer","null"],"exclusiveMinimum":0,"maximum":10,"multipleOf":1},
          "nada":false},
         "additionalProperties":{"type":"boolean"}}
        """#

    @Test("every supported keyword is enforced and each problem is named with its path, in document order",
          arguments: [
        (#"{"lista":["abcd",1,"ok","x"],"n":10.5,"nada":1,"otro":"x"}"#,
         ["fijo: es obligatorio", "lista: tiene 4 elementos; el máximo es 3", "lista/0: tiene 4 caracteres; el máximo es 3",
          "lista/1: debe ser de tipo string; es número", "n: debe ser de tipo integer o null; es número",
          "nada: no está permitido", "otro: debe ser de tipo boolean; es texto"]),
        (#"{"lista":[],"fijo":"no","n":0}"#,
         ["lista: tiene 0 elementos; el mínimo es 2", #"fijo: debe ser "sí""#, "n: debe ser mayor que 0"]),
        (#"{"lista":["a","b"],"fijo":"sí","n":11,"otro":true}"#, ["n: debe ser menor o igual que 10"]),
        (#"{"lista":["a","b"],"fijo":"sí","n":null}"#, []),
    ])
    func everyKeyword(_ json: String, problems: [String]) throws {
        let validator = try JSONSchemaSubset(schema: try JSONParser.parse(Self.everyKeyword))
        #expect(validator.problems(try JSONParser.parse(json)) == problems)
    }

    @Test("a schema with a keyword the validator does not enforce is refused")
    func unsupportedKeyword() throws {
        #expect(throws: JSONSchemaSubset.Unsupported.self) {
            try JSONSchemaSubset(schema: try JSONParser.parse(#"{"type":"string","pattern":"^a"}"#))
        }
        #expect(throws: JSONSchemaSubset.Unsupported.self) {
            try JSONSchemaSubset(schema: try JSONParser.parse(#"{"type":"string","format":"uri"}"#))
        }
    }

    @Test("the producer side refuses an order that breaks the schema")
    func producerRefuses() throws {
        let pedido = Pedido(id: 1, nombre: "", precio: try Precio(literal: "1"), correo: "a@b.co", estado: .recibido)
        #expect(throws: PedidoSchemaViolation.self) { try PedidoMessage.record(for: pedido, enteredAt: Date(), topics: PedidoTopics()) }
        let good = Pedido(id: 1, nombre: "x", precio: try Precio(literal: "1"), correo: "a@b.co", estado: .recibido)
        let record = try PedidoMessage.record(for: good, enteredAt: Date(), topics: PedidoTopics())
        #expect(record.headers == [KafkaHeader(key: "pedidos-schema-version", value: "1")])
    }

    static func message(_ value: String, version: String?, topic: String = "recibido") -> KafkaMessage {
        KafkaMessage(topic: topic, partition: 0, offset: 0, key: nil, value: Array(value.utf8),
                     headers: version.map { [KafkaHeader(key: PedidoMessage.schemaHeader, value: $0)] } ?? [],
                     timestampMilliseconds: nil)
    }

    @Test("consumers read the schema-version header: minors of a known major are read, the rest refused")
    func versions() throws {
        let topics = PedidoTopics()
        #expect(try PedidoMessage.decode(Self.message(Self.valid, version: "1"), topics: topics).id == 7)
        #expect(try PedidoMessage.decode(Self.message(Self.valid, version: "1.3"), topics: topics).id == 7)
        for version in [nil, "2", "", "10"] as [String?] {
            #expect(throws: PedidoDecodingError.self, "\(version ?? "nil")") {
                try PedidoMessage.decode(Self.message(Self.valid, version: version), topics: topics)
            }
        }
        let badCorreo = Self.valid.replacingOccurrences(of: "correopersonal@correo.com", with: "sin-arroba")
        #expect(throws: PedidoDecodingError.self) { try PedidoMessage.decode(Self.message(badCorreo, version: "1"), topics: topics) }
        #expect(throws: PedidoDecodingError.self) {
            try PedidoMessage.decode(Self.message(Self.valid, version: "1", topic: "preparando"), topics: topics)
        }
    }

    @Test("JSON number literals compare exactly", arguments: [
        ("1", "1.0", 0), ("0", "-0", 0), ("1e12", "999999999999.99999999", 1), ("-2", "-10", 1), ("5e-66", "0", 1),
        ("0.1", "1e-1", 0), ("123", "1.23e2", 0), ("-1", "0", -1),
    ])
    func numberOrder(_ a: String, _ b: String, expected: Int) throws {
        let (x, y) = (try #require(JSONNumberLiteral(a)), try #require(JSONNumberLiteral(b)))
        #expect((x < y ? -1 : (y < x ? 1 : 0)) == expected)
        #expect((x == y) == (expected == 0))
    }
}
