import Foundation
@testable import PedidosDomain
@testable import PedidosCarga
import Testing

/// The load generator's parsers: dataset CSV, `202` bodies, SMTP store lines, percentiles.
@Suite struct CargaParsingTests {
    @Test func csvFieldsHonourQuotes() {
        #expect(PedidoDataset.fields(of: "Kétchup Heinz,1.19,cliente-000001@example.com") == ["Kétchup Heinz", "1.19", "cliente-000001@example.com"])
        #expect(PedidoDataset.fields(of: #""Anillo, ""oro""",10,a@example.com"#) == [#"Anillo, "oro""#, "10", "a@example.com"])
    }

    @Test func datasetRowsBecomeJSONBodies() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("carga-\(UUID()).csv").path
        try "nombre,precio,correo\nDiamante 0.23 ct Ideal E SI2,326,cliente-000001@example.com\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let dataset = try PedidoDataset(path: path)
        #expect(dataset.rows.count == 1)
        let body = try JSONParser.parse(dataset.row(7).body)
        #expect(body["precio"] == .number("326"))
        #expect(body["nombre"] == .string("Diamante 0.23 ct Ideal E SI2"))
        #expect(dataset.row(7).correo == "cliente-000001@example.com")
    }

    @Test func orderIDOfAcceptedBody() {
        #expect(LoadDriver.orderID(in: Array(#"{"id":4021,"nombre":"x","precio":1,"correo":"a@b.c","estado":"recibido"}"#.utf8)) == 4021)
        #expect(LoadDriver.orderID(in: Array(#"{"nombre":"x"}"#.utf8)) == nil)
    }

    @Test func mailStoreLineGivesOrderStateAndRecipient() throws {
        let line = #"{"received_at": "2026-11-27T08:00:00.000+00:00", "mail_from": "pedidos@pedidos.test", "rcpt_tos": ["cliente-000007@example.com"], "headers": {"Message-ID": "<pedido-1234-entregando@pedidos.test>"}, "raw": "Message-ID: <pedido-1234-entregando@pedidos.test>"}"#
        let mail = try #require(MailStoreScanner.mail(in: ArraySlice(Array(line.utf8))))
        #expect(mail.orderID == 1234)
        #expect(mail.estado == .entregando)
        #expect(mail.recipient == "cliente-000007@example.com")
        #expect(MailStoreScanner.mail(in: ArraySlice(Array(#"{"headers": {"Message-ID": "<otro@x>"}}"#.utf8))) == nil)
    }

    @Test func nearestRankPercentiles() {
        let values = Percentiles((1...100).map(Double.init))
        #expect(values.at(50) == 50)
        #expect(values.at(99) == 99)
        #expect(values.at(99.9) == 100)
        #expect(Percentiles([]).at(50) == nil)
    }
}
