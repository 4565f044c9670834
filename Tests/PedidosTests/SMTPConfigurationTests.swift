import Foundation
@testable import PedidosSMTP
import Testing

/// Offline tests of `SMTPConfiguration.fromEnvironment` and its validation.
@Suite("SMTP configuration")
struct SMTPConfigurationTests {
    @Test("Defaults when nothing is set")
    func defaults() throws {
        let configuration = try SMTPConfiguration.fromEnvironment([:])
        #expect(configuration.url == "smtp://127.0.0.1:12525")
        #expect(configuration.tlsMode == SMTPConfiguration.TLSMode.none)
        #expect(configuration.from == EmailAddress("pedidos@pedidos.test", displayName: "Pedidos"))
        #expect(configuration.username == nil)
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.totalTimeout == .seconds(60))
        #expect(configuration.caFile == nil)
    }

    @Test("Gmail with an app password on 587 requires STARTTLS")
    func gmailSubmission() throws {
        let configuration = try SMTPConfiguration.fromEnvironment([
            "SMTP_URL": "smtp://smtp.gmail.com:587", "SMTP_USER": "tienda@gmail.com",
            "SMTP_PASSWORD": "abcd efgh ijkl mnop", "SMTP_FROM": "Tienda <tienda@gmail.com>",
            "SMTP_CONNECT_TIMEOUT_MS": "3000", "SMTP_TIMEOUT_MS": "30000",
        ])
        #expect(configuration.tlsMode == .startTLS)
        #expect(configuration.host == "smtp.gmail.com")
        #expect(configuration.port == 587)
        #expect(configuration.connectTimeout == .seconds(3))
        #expect(configuration.totalTimeout == .seconds(30))
        #expect(!configuration.description.contains("abcd"))
    }

    @Test("smtps:// means implicit TLS on 465 by default")
    func implicitTLS() throws {
        let configuration = try SMTPConfiguration.fromEnvironment(["SMTP_URL": "smtps://smtp.gmail.com"])
        #expect(configuration.tlsMode == .implicit)
        #expect(configuration.port == 465)
        #expect(configuration.url == "smtps://smtp.gmail.com:465")
    }

    @Test("Invalid combinations are refused", arguments: [
        ["SMTP_URL": "smtp://h:587", "SMTP_USER": "u", "SMTP_PASSWORD": "p", "SMTP_TLS": "none"],
        ["SMTP_URL": "smtps://h", "SMTP_TLS": "starttls"],
        ["SMTP_URL": "smtp://h", "SMTP_TLS": "implicit"],
        ["SMTP_URL": "http://h"],
        ["SMTP_URL": "smtp://u:p@h:587"],
        ["SMTP_URL": "smtp://h", "SMTP_USER": "u"],
        ["SMTP_URL": "smtp://h", "SMTP_TLS": "maybe"],
        ["SMTP_URL": "smtp://h", "SMTP_TIMEOUT_MS": "soon"],
        ["SMTP_URL": "smtp://h", "SMTP_CONNECT_TIMEOUT_MS": "0"],
    ])
    func invalidCombinations(_ env: [String: String]) {
        #expect {
            try SMTPConfiguration.fromEnvironment(env)
        } throws: { error in
            guard case .invalidConfiguration? = error as? SMTPError else { return false }
            return true
        }
    }

    @Test("A sender with a line break is header injection")
    func fromWithLineBreak() {
        #expect(throws: SMTPError.headerInjection(field: .from)) {
            try SMTPConfiguration.fromEnvironment(["SMTP_FROM": "pedidos@pedidos.test\r\nBcc: x@evil.test"])
        }
        #expect(throws: SMTPError.headerInjection(field: .fromDisplayName)) {
            try SMTPConfiguration.fromEnvironment(["SMTP_FROM": "Pedidos\r\nBcc: x@evil.test <pedidos@pedidos.test>"])
        }
    }
}
