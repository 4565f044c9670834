import Foundation
import Testing
@testable import PedidosKafka
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import SolicitudesService
@testable import NotificacionesService
@testable import ProcesamientoService

/// `precio` is checked exactly on the literal the client sent: a price is ≥ 0, below 10^12 and has at
/// most 4 significant decimals; anything else is rejected with the true reason.
@Suite("Precio")
struct PrecioTests {
    @Test("accepted literals keep their text and have their exact value", arguments: [
        ("0", "0"), ("759.000", "759"), ("759.0001", "759.0001"), ("1E+2", "100"), ("7.59e2", "759"),
        ("999999999999.9999", "999999999999.9999"), ("0.5e-3", "0.0005"), ("0e-99999", "0"), ("12300e-2", "123"),
        ("1.50000000000000000000000000000000000000", "1.5"),
    ])
    func accepts(_ literal: String, exact: String) throws {
        let precio = try Precio(literal: literal)
        #expect(precio.text == literal)
        #expect(precio.decimal == Decimal(string: exact, locale: Locale(identifier: "en_US_POSIX")))
    }

    @Test("rejected literals say the true reason", arguments: [
        ("5.144274342358062e-66", Precio.Problem.tooManyDecimals(81)),
        ("0.00001", .tooManyDecimals(5)),
        ("1e-1000000000000", .tooManyDecimals(Precio.exponentCap)),
        ("1e12", .tooLarge), ("999999999999.99995", .tooManyDecimals(5)), ("1000000000000", .tooLarge),
        ("1e999999999999999", .tooLarge),
        ("-1", .negative), ("-0", .negative), ("-0.0", .negative),
        ("01", .notANumber), ("1.", .notANumber), (".5", .notANumber), ("1e", .notANumber), ("+1", .notANumber),
        ("NaN", .notANumber), ("Infinity", .notANumber), ("1 ", .notANumber), ("", .notANumber),
        (String(repeating: "1", count: 41), .tooLong),
    ])
    func rejects(_ literal: String, problem: Precio.Problem) {
        #expect(throws: problem) { try Precio(literal: literal) }
    }

    @Test("the issue's finite number is a 422 naming its decimals, not 'not finite'")
    func tinyFiniteNumber() throws {
        do {
            let order = try PedidoRequest(body: Array(#"{"nombre":"abc","precio":5.144274342358062e-66,"correo":"a@b.org"}"#.utf8))
            Issue.record("accepted \(order)")
        } catch {
            #expect(Int(error.status.code) == 422)
            let messages = error.errors.filter { $0.field == "precio" }.map(\.message)
            #expect(messages == ["tiene 81 decimales; un precio admite a lo más 4"])
        }
    }
}
