@testable import PedidosDomain
@testable import PedidosSMTP
import Testing

/// The order's `correo` rule lives in the domain and the SMTP client keeps its own address check; every
/// address the domain accepts must also be one the SMTP client can send to (else an accepted order could
/// never be mailed).
@Suite("Correo rule and SMTP address check agree")
struct CorreoRuleAgreementTests {
    static let addresses = [
        "ana@example.com", "a.b-c+d_e@sub.example.co", "x@a.bc", "UPPER@EXAMPLE.COM", "1@2.com",
        "a@b", "a@.b.com", "a@b..com", "a@b.com.", ".a@b.com", "a.@b.com", "a..b@c.com", "@b.com", "a@",
        "a@@b.com", "a@b@c.com", "a b@c.com", "a\t@c.com", "a\r\n@c.com", "a<b@c.com", "a>@c.com",
        "\"a\"@c.com", "a\\b@c.com", "a,b@c.com", "a;b@c.com", "a:b@c.com", "a(b)@c.com", "a[b]@c.com",
        "ñandú@example.com", "a@exámple.com", "a@-b.com", "a@b-.com", "a@b.123", "a@b_c.com",
        String(repeating: "l", count: 64) + "@example.com", String(repeating: "l", count: 65) + "@example.com",
        "a@" + String(repeating: "d", count: 63) + ".com", "a@" + String(repeating: "d", count: 64) + ".com",
        "a@" + Array(repeating: String(repeating: "d", count: 60), count: 4).joined(separator: ".") + ".com",
        "", " ", "\u{7F}a@b.com", "a\u{2028}@b.com",
    ]

    @Test("every address the domain accepts passes the SMTP client's check", arguments: addresses)
    func domainAcceptedImpliesSendable(_ address: String) {
        guard PedidoFieldRules.correoProblem(address) == nil else { return }
        #expect(EmailAddress.problem(with: address) == nil, "accepted by the domain but not sendable: \(address)")
    }

    @Test("the sample holds addresses on both sides of the domain rule")
    func sampleIsNotVacuous() {
        let accepted = Self.addresses.filter { PedidoFieldRules.correoProblem($0) == nil }
        #expect(accepted.count >= 5)
        #expect(Self.addresses.count - accepted.count >= 20)
    }
}
