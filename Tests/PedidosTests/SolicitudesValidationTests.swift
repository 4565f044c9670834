import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import PedidosServiceKit
@testable import SolicitudesService

/// A request `POST /pedidos` must reject, with the status and the fields its problem document names.
struct BadPedidoInput: Sendable, CustomTestStringConvertible {
    let name: String
    let body: String
    let contentType: String?
    let status: Int
    let fields: Set<String>
    /// Whether the problem is in the body itself (so ``PedidoRequest`` alone must reject it).
    var bodyLevel: Bool { status == 400 || status == 422 }

    init(_ name: String, _ body: String, contentType: String? = "application/json", status: Int, fields: Set<String>) {
        self.name = name
        self.body = body
        self.contentType = contentType
        self.status = status
        self.fields = fields
    }

    var testDescription: String { name }

    static let valid = SolicitudesTestSupport.validBody

    static let all: [BadPedidoInput] = [
        .init("malformed JSON", #"{"nombre": "Pizza", precio: 1}"#, status: 400, fields: ["cuerpo"]),
        .init("truncated JSON", #"{"nombre":"Pizza","precio":759.0"#, status: 400, fields: ["cuerpo"]),
        .init("empty body", "", status: 400, fields: ["cuerpo"]),
        .init("trailing garbage", valid + "x", status: 400, fields: ["cuerpo"]),
        .init("array instead of object", "[" + valid + "]", status: 400, fields: ["cuerpo"]),
        .init("string instead of object", #""pizza""#, status: 400, fields: ["cuerpo"]),
        .init("precio as a string", #"{"nombre":"Pizza","precio":"759.000","correo":"ana@example.com"}"#, status: 400, fields: ["precio"]),
        .init("nombre as a number", #"{"nombre":42,"precio":759,"correo":"ana@example.com"}"#, status: 400, fields: ["nombre"]),
        .init("correo as a boolean", #"{"nombre":"Pizza","precio":759,"correo":true}"#, status: 400, fields: ["correo"]),
        .init("every field of the wrong type", #"{"nombre":["Pizza"],"precio":{"v":1},"correo":7}"#, status: 400,
              fields: ["nombre", "precio", "correo"]),
        .init("null values", #"{"nombre":null,"precio":null,"correo":null}"#, status: 400, fields: ["nombre", "precio", "correo"]),
        .init("wrong type plus missing field", #"{"precio":"1","correo":"ana@example.com"}"#, status: 400, fields: ["nombre", "precio"]),
        .init("duplicate key", #"{"nombre":"Pizza","nombre":"Otra","precio":1,"correo":"ana@example.com"}"#, status: 400, fields: ["nombre"]),
        .init("missing nombre", #"{"precio":759,"correo":"ana@example.com"}"#, status: 422, fields: ["nombre"]),
        .init("missing precio", #"{"nombre":"Pizza","correo":"ana@example.com"}"#, status: 422, fields: ["precio"]),
        .init("missing correo", #"{"nombre":"Pizza","precio":759}"#, status: 422, fields: ["correo"]),
        .init("all fields missing", "{}", status: 422, fields: ["nombre", "precio", "correo"]),
        .init("negative precio", #"{"nombre":"Pizza","precio":-1,"correo":"ana@example.com"}"#, status: 422, fields: ["precio"]),
        .init("negative zero precio", #"{"nombre":"Pizza","precio":-0.0,"correo":"ana@example.com"}"#, status: 422, fields: ["precio"]),
        .init("huge precio", #"{"nombre":"Pizza","precio":1e20,"correo":"ana@example.com"}"#, status: 422, fields: ["precio"]),
        .init("precio with too many digits", #"{"nombre":"Pizza","precio":1.\#(String(repeating: "0", count: 50)),"correo":"ana@example.com"}"#,
              status: 422, fields: ["precio"]),
        .init("empty nombre", #"{"nombre":"","precio":1,"correo":"ana@example.com"}"#, status: 422, fields: ["nombre"]),
        .init("whitespace-only nombre", #"{"nombre":"   ","precio":1,"correo":"ana@example.com"}"#, status: 422, fields: ["nombre"]),
        .init("nombre of 201 characters", #"{"nombre":"\#(String(repeating: "a", count: 201))","precio":1,"correo":"ana@example.com"}"#,
              status: 422, fields: ["nombre"]),
        .init("CR/LF in nombre", #"{"nombre":"Pizza\r\nBcc: x@y.com","precio":1,"correo":"ana@example.com"}"#, status: 422, fields: ["nombre"]),
        .init("TAB in nombre", #"{"nombre":"Pizza\tgrande","precio":1,"correo":"ana@example.com"}"#, status: 422, fields: ["nombre"]),
        .init("NUL in nombre", #"{"nombre":"Pizza\u0000","precio":1,"correo":"ana@example.com"}"#, status: 422, fields: ["nombre"]),
        .init("correo without @", #"{"nombre":"Pizza","precio":1,"correo":"ana.example.com"}"#, status: 422, fields: ["correo"]),
        .init("correo without a dot in the domain", #"{"nombre":"Pizza","precio":1,"correo":"ana@example"}"#, status: 422, fields: ["correo"]),
        .init("correo with spaces", #"{"nombre":"Pizza","precio":1,"correo":"ana maria@example.com"}"#, status: 422, fields: ["correo"]),
        .init("correo with two @", #"{"nombre":"Pizza","precio":1,"correo":"ana@b@example.com"}"#, status: 422, fields: ["correo"]),
        .init("correo with angle brackets", #"{"nombre":"Pizza","precio":1,"correo":"<ana@example.com>"}"#, status: 422, fields: ["correo"]),
        .init("correo of 255 characters", #"{"nombre":"Pizza","precio":1,"correo":"anaa@\#(String(repeating: "a", count: 60)).\#(String(repeating: "b", count: 60)).\#(String(repeating: "c", count: 60)).\#(String(repeating: "d", count: 63)).com"}"#,
              status: 422, fields: ["correo"]),
        .init("correo local part of 65 characters", #"{"nombre":"Pizza","precio":1,"correo":"\#(String(repeating: "a", count: 65))@example.com"}"#,
              status: 422, fields: ["correo"]),
        .init("CR/LF in correo", #"{"nombre":"Pizza","precio":1,"correo":"ana@example.com\r\nBcc: x@y.com"}"#, status: 422, fields: ["correo"]),
        .init("empty correo", #"{"nombre":"Pizza","precio":1,"correo":""}"#, status: 422, fields: ["correo"]),
        .init("every value invalid", #"{"nombre":" ","precio":-5,"correo":"nadie"}"#, status: 422, fields: ["nombre", "precio", "correo"]),
        .init("client-supplied id", #"{"id":7,"nombre":"Pizza","precio":1,"correo":"ana@example.com"}"#, status: 422, fields: ["id"]),
        .init("client-supplied estado", #"{"nombre":"Pizza","precio":1,"correo":"ana@example.com","estado":"finalizado"}"#,
              status: 422, fields: ["estado"]),
        .init("unknown field", #"{"nombre":"Pizza","precio":1,"correo":"ana@example.com","cantidad":2}"#, status: 422, fields: ["cantidad"]),
        .init("typo in a field name", #"{"nombre":"Pizza","precios":1,"correo":"ana@example.com"}"#, status: 422, fields: ["precio", "precios"]),
        .init("text/plain content type", valid, contentType: "text/plain", status: 415, fields: ["Content-Type"]),
        .init("no content type", valid, contentType: nil, status: 415, fields: ["Content-Type"]),
        .init("XML content type", valid, contentType: "application/xml", status: 415, fields: ["Content-Type"]),
        .init("JSON declared in Latin-1", valid, contentType: "application/json; charset=iso-8859-1", status: 415, fields: ["Content-Type"]),
        .init("body over 16 KiB", #"{"nombre":"\#(String(repeating: "a", count: 16 * 1024))","precio":1,"correo":"ana@example.com"}"#,
              status: 413, fields: ["cuerpo"]),
    ]
}

/// Input validation of `POST /pedidos`: statuses, problem documents, and that nothing rejected is published.
@Suite("Solicitudes validation", .timeLimit(.minutes(3)))
struct SolicitudesValidationTests {
    typealias Support = SolicitudesTestSupport

    @Test("the body validator rejects the input and names the fields", arguments: BadPedidoInput.all.filter(\.bodyLevel))
    func validatorRejects(_ input: BadPedidoInput) throws {
        do {
            let order = try PedidoRequest(body: Array(input.body.utf8))
            Issue.record("accepted \(order)")
        } catch {
            #expect(Int(error.status.code) == input.status)
            #expect(Set(error.errors.map(\.field)) == input.fields)
            #expect(!error.title.isEmpty && !error.detail.isEmpty)
        }
    }

    @Test("valid edge cases are accepted as written", arguments: [
        (#"{"nombre":"Ñandú 🍕","precio":0,"correo":"a@b.co"}"#, "Ñandú 🍕", "0", "a@b.co"),
        (#"{"correo":"x.y+z@sub.example.com","precio":1E+2,"nombre":"  Pizza  "}"#, "Pizza", "1E+2", "x.y+z@sub.example.com"),
        (#"{"nombre":"\#(String(repeating: "é", count: 200))","precio":999999999999.99,"correo":"ana@example.com"}"#,
         String(repeating: "é", count: 200), "999999999999.99", "ana@example.com"),
        (#" { "nombre" : "Pizza" , "precio" : 759.000 , "correo" : "\#(String(repeating: "a", count: 64))@\#(String(repeating: "b", count: 60)).\#(String(repeating: "c", count: 60)).\#(String(repeating: "d", count: 61)).com" } "#,
         "Pizza", "759.000", "\(String(repeating: "a", count: 64))@\(String(repeating: "b", count: 60)).\(String(repeating: "c", count: 60)).\(String(repeating: "d", count: 61)).com"),
    ])
    func validatorAccepts(_ body: String, nombre: String, precio: String, correo: String) throws {
        let order = try PedidoRequest(body: Array(body.utf8))
        #expect(order.nombre == nombre)
        #expect(order.precio.text == precio)
        #expect(order.correo == correo)
        #expect(order.correo.utf8.count <= 254)
    }

    @Test("JSON media types", arguments: [
        ("application/json", true), ("application/json; charset=utf-8", true), ("Application/JSON;charset=\"UTF-8\"", true),
        ("application/problem+json", true), ("application/vnd.pedidos+json; version=1", true),
        ("text/json", false), ("application/+json", false), ("application/jsonx", false), ("text/plain", false),
        ("application/json; charset=utf-16", false), ("", false),
    ])
    func mediaTypes(_ contentType: String, accepted: Bool) {
        #expect(JSONMediaType.accepts(contentType) == accepted)
    }

    @Test("a streamed body without Content-Length is cut off at 16 KiB with 413")
    func streamedBodyIsLimited() async throws {
        let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 4096)
        let stream = AsyncStream<ByteBuffer> { continuation in
            for _ in 0..<5 { continuation.yield(chunk) }
            continuation.finish()
        }
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/pedidos",
                              headerFields: [.contentType: "application/json"]),
            body: RequestBody(asyncSequence: stream))
        await #expect {
            _ = try await SolicitudesController<BasicRequestContext>.readOrder(request)
        } throws: { error in
            (error as? ProblemDetails)?.status == .contentTooLarge
        }
    }

    @Test("every bad input gets its status and a problem document naming its fields, and none is published")
    func badInputsAreRejectedAndNotPublished() async throws {
        let prefix = Support.uniquePrefix("sol-val")
        // One partition: the marker published last must then be the first record of the topic.
        let app = try await Support.application(prefix: prefix, partitions: 1)
        let markerID = try await app.test(.router) { client in
            for input in BadPedidoInput.all {
                let response = try await Support.post(client, input.body, contentType: input.contentType)
                #expect(Int(response.status.code) == input.status, "\(input.name): \(Support.text(response))")
                #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true, "\(input.name)")
                let problem = try Support.json(response)
                #expect(problem["status"] == .number(String(input.status)), "\(input.name)")
                #expect(problem["title"] != nil && problem["detail"] != nil, "\(input.name)")
                #expect(Set(try Support.problemFields(response)) == input.fields, "\(input.name): \(Support.text(response))")
            }
            let marker = try await Support.post(client, Support.validBody)
            try #require(marker.status == .accepted)
            return try Support.id(marker)
        }

        let collector = try Support.recibidoCollector(prefix: prefix)
        try await waitUntil("the marker order on \(prefix)recibido", timeout: .seconds(60)) {
            collector.messages.contains { $0.keyString == String(markerID) }
        }
        await collector.stop()
        let marker = try #require(collector.messages.first { $0.keyString == String(markerID) })
        #expect(marker.offset == 0, "something was published before the marker")
        #expect(collector.messages.count == 1, "only the marker was published: \(collector.messages.map(\.valueString))")
    }
}
