import Foundation
@testable import PedidosSMTP
import Synchronization
import Testing

/// End-to-end tests of `SMTPClient` against real SMTP servers: the development server started by
/// `scripts/infra.sh up smtp` (its store is `SMTP_STORE`), private STARTTLS + AUTH instances of
/// `scripts/smtp_server.py`, and loopback sockets that refuse or never answer.
///
/// Tests run in parallel and share the development store, so each one uses recipients with a UUID.
@Suite("SMTP client against real servers")
struct SMTPTests {
    // MARK: - Helpers

    /// The configuration for the development server, from the environment `.run/infra.env` sets.
    private func devConfiguration(
        tlsMode: SMTPConfiguration.TLSMode? = nil,
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(20)
    ) throws -> SMTPConfiguration {
        let url = try TestEnvironment.smtpURL()
        let from = try EmailAddress(parsing: TestEnvironment.value("SMTP_FROM") ?? "Pedidos <pedidos@pedidos.test>")
        return try SMTPConfiguration(url: url, from: from, tlsMode: tlsMode,
                                     connectTimeout: connectTimeout, totalTimeout: totalTimeout)
    }

    private func uniqueAddress(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.lowercased())@clientes.test"
    }

    private func message(
        to recipient: String,
        subject: String = "Tu pedido está confirmado",
        from: EmailAddress = EmailAddress("pedidos@pedidos.test", displayName: "Pedidos")
    ) -> EmailMessage {
        EmailMessage(from: from, to: EmailAddress(recipient), subject: subject,
                     body: "Hola,\nTu pedido está confirmado.\n")
    }

    /// The reference `Date` rendering, computed independently of the code under test.
    private func rfc5322(_ date: Date) -> String { RFC5322Reference.string(from: date) }

    private func elapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
        let start = ContinuousClock.now
        let result = try await body()
        return (result, ContinuousClock.now - start)
    }

    // MARK: - Delivery and rendering

    @Test("A Spanish UTF-8 message arrives with the right headers and body")
    func spanishMessageArrivesIntact() async throws {
        let store = try MailStore.shared()
        let configuration = try devConfiguration()
        let client = try SMTPClient(configuration: configuration)
        let recipient = uniqueAddress("cliente")
        let subject = "Tu pedido #1 está en preparación — ñandú €"
        let body = "Hola José:\n\nTu pedido #1 está en preparación — ñandú €\nGracias por tu compra.\n"
        let date = Date(timeIntervalSince1970: 1_764_219_547.75)
        let messageID = "pedido-1-\(UUID().uuidString.lowercased())@pedidos.test"
        let email = EmailMessage(
            from: configuration.from, to: EmailAddress(recipient, displayName: "José Núñez"),
            subject: subject, body: body, date: date, messageID: messageID
        )

        try await client.send(email)

        let record = try #require(try await store.waitForMessages(to: recipient).first)
        #expect(record.mailFrom == configuration.from.address)
        #expect(record.rcptTos == [recipient])
        #expect(record.subject == subject)
        #expect(record.header("Subject") == subject)
        #expect(record.header("From") == "Pedidos <pedidos@pedidos.test>")
        #expect(record.header("To") == "José Núñez <\(recipient)>")
        #expect(record.header("Date") == rfc5322(date))
        #expect(record.header("Date") == "Thu, 27 Nov 2025 04:59:07 +0000")
        #expect(record.header("Message-ID") == "<\(messageID)>")
        #expect(record.header("MIME-Version") == "1.0")
        #expect(record.header("Content-Type")?.lowercased().contains("text/plain") == true)
        #expect(record.header("Content-Type")?.lowercased().contains("utf-8") == true)
        #expect(record.header("Content-Transfer-Encoding") == "base64")
        // text/plain travels with canonical CRLF line breaks.
        #expect(record.body.replacingOccurrences(of: "\r\n", with: "\n") == body)
        #expect(!record.tls)
        #expect(!record.authenticated)

        // On the wire: 7-bit only, short lines, the subject as RFC 2047 words.
        #expect(record.raw.unicodeScalars.allSatisfy { $0.isASCII })
        for line in record.raw.components(separatedBy: "\r\n") {
            #expect(line.count <= 76, "line too long: \(line)")
        }
        #expect(record.rawHeaderLines.contains { $0.hasPrefix("Subject: =?UTF-8?B?") })
    }

    @Test("A long non-ASCII subject and display name are split into valid encoded words")
    func longSubjectIsSplitIntoEncodedWords() async throws {
        let store = try MailStore.shared()
        let client = try SMTPClient(configuration: try devConfiguration())
        let recipient = uniqueAddress("largo")
        let subject = String(repeating: "Pedido ñandú €📦 está en preparación — ", count: 6) + "fin"
        let sender = EmailAddress("pedidos@pedidos.test", displayName: "Pedidos Ñandú — Atención al cliente 📦 España")
        try await client.send(message(to: recipient, subject: subject, from: sender))

        let record = try #require(try await store.waitForMessages(to: recipient).first)
        #expect(record.subject == subject)
        #expect(record.header("From") == "Pedidos Ñandú — Atención al cliente 📦 España <pedidos@pedidos.test>")
        let words = record.rawHeaderLines.flatMap { $0.split(separator: " ") }.filter { $0.hasPrefix("=?UTF-8?B?") }
        #expect(words.count > 4)
        for word in words { #expect(word.count <= 75, "encoded word too long: \(word)") }
        for line in record.raw.components(separatedBy: "\r\n") { #expect(line.count <= 76) }
    }

    // MARK: - Connection reuse

    @Test("Several messages in a row through one client all arrive over one connection")
    func severalMessagesReuseOneConnection() async throws {
        let store = try MailStore.shared()
        let client = try SMTPClient(configuration: try devConfiguration())
        let recipients = (1...5).map { uniqueAddress("seguido-\($0)") }
        for (index, recipient) in recipients.enumerated() {
            try await client.send(message(to: recipient, subject: "Pedido #\(index + 1) enviado"))
        }
        for (index, recipient) in recipients.enumerated() {
            let records = try await store.waitForMessages(to: recipient)
            #expect(records.count == 1)
            #expect(records.first?.subject == "Pedido #\(index + 1) enviado")
        }
        let statistics = await client.statistics()
        #expect(statistics.messagesSent == 5)
        #expect(statistics.failures == 0)
        #expect(statistics.connectionsOpened < recipients.count)
        #expect(statistics.connectionsOpened == 1)
    }

    @Test("Concurrent sends through one client are serialised and all arrive")
    func concurrentSendsThroughOneClient() async throws {
        let store = try MailStore.shared()
        let client = try SMTPClient(configuration: try devConfiguration())
        let recipients = (1...8).map { uniqueAddress("paralelo-\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for recipient in recipients {
                let email = message(to: recipient)
                group.addTask { try await client.send(email) }
            }
            try await group.waitForAll()
        }
        for recipient in recipients {
            #expect(try await store.waitForMessages(to: recipient).count == 1)
        }
        let statistics = await client.statistics()
        #expect(statistics.messagesSent == recipients.count)
        #expect(statistics.connectionsOpened == 1)
    }

    // MARK: - Validation before sending

    struct InjectionCase: Sendable, CustomTestStringConvertible {
        let name: String
        let field: SMTPError.HeaderField
        let make: @Sendable (_ marker: String) -> EmailMessage
        var testDescription: String { name }
    }

    static let injectionCases: [InjectionCase] = {
        let pedidos = EmailAddress("pedidos@pedidos.test", displayName: "Pedidos")
        @Sendable func to(_ marker: String) -> EmailAddress { EmailAddress("\(marker)@clientes.test") }
        return [
            InjectionCase(name: "CRLF in the subject", field: .subject) { marker in
                EmailMessage(from: pedidos, to: to(marker), subject: "Pedido listo\r\nBcc: evil-\(marker)@evil.test", body: "x")
            },
            InjectionCase(name: "LF in the recipient address", field: .to) { marker in
                EmailMessage(from: pedidos, to: EmailAddress("\(marker)@clientes.test\nBcc: evil-\(marker)@evil.test"),
                             subject: "Hola", body: "x")
            },
            InjectionCase(name: "CR in the sender address", field: .from) { marker in
                EmailMessage(from: EmailAddress("pedidos@pedidos.test\rRCPT TO:<evil-\(marker)@evil.test>"),
                             to: to(marker), subject: "Hola", body: "x")
            },
            InjectionCase(name: "CRLF in the recipient display name", field: .toDisplayName) { marker in
                EmailMessage(from: pedidos, to: EmailAddress("\(marker)@clientes.test", displayName: "Ana\r\nBcc: evil-\(marker)@evil.test"),
                             subject: "Hola", body: "x")
            },
            InjectionCase(name: "LF in the sender display name", field: .fromDisplayName) { marker in
                EmailMessage(from: EmailAddress("pedidos@pedidos.test", displayName: "Pedidos\nX-Evil: \(marker)"),
                             to: to(marker), subject: "Hola", body: "x")
            },
            InjectionCase(name: "CRLF in the Message-ID", field: .messageID) { marker in
                EmailMessage(from: pedidos, to: to(marker), subject: "Hola", body: "x",
                             messageID: "id@pedidos.test>\r\nBcc: evil-\(marker)@evil.test")
            },
            InjectionCase(name: "NUL in the subject", field: .subject) { marker in
                EmailMessage(from: pedidos, to: to(marker), subject: "Pedido\0listo", body: "x")
            },
            InjectionCase(name: "Unicode line separator in the subject", field: .subject) { marker in
                EmailMessage(from: pedidos, to: to(marker), subject: "Pedido\u{2028}Bcc: x@evil.test", body: "x")
            },
        ]
    }()

    @Test("Header injection is rejected before anything reaches the server", arguments: injectionCases)
    func headerInjectionIsRejected(_ injection: InjectionCase) async throws {
        let store = try MailStore.shared()
        let client = try SMTPClient(configuration: try devConfiguration())
        let marker = "inyeccion-\(UUID().uuidString.lowercased())"

        await #expect(throws: SMTPError.headerInjection(field: injection.field)) {
            try await client.send(injection.make(marker))
        }
        let afterRejection = await client.statistics()
        #expect(afterRejection.connectionsOpened == 0, "the client must not even connect")

        // A valid message through the same client arrives; by then nothing with the marker may have.
        let sentinel = uniqueAddress("centinela")
        try await client.send(message(to: sentinel))
        _ = try await store.waitForMessages(to: sentinel)
        let leaked = try store.all().filter { record in
            record.raw.contains(marker) || record.rcptTos.contains { $0.contains(marker) }
        }
        #expect(leaked.isEmpty)
    }

    @Test("Malformed addresses are rejected as permanent errors before sending",
          arguments: ["sin-arroba.test", "dos@@clientes.test", "con espacio@clientes.test", "<ana@clientes.test>",
                      "ana@", "@clientes.test", "ana,beto@clientes.test", "ñandú@clientes.test"])
    func malformedAddressesAreRejected(_ address: String) async throws {
        let client = try SMTPClient(configuration: try devConfiguration())
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(message(to: address))
        }
        guard case .invalidAddress(field: .to, _)? = error else {
            Issue.record("expected invalidAddress(field: .to), got \(String(describing: error))")
            return
        }
        #expect(error?.isPermanent == true)
        #expect(await client.statistics().connectionsOpened == 0)
    }

    // MARK: - Failures: transient or permanent, always bounded in time

    @Test("A closed port fails fast with a transient connection error")
    func closedPortFailsWithTransientError() async throws {
        let port = try TestSockets.freePort()
        let configuration = try SMTPConfiguration(
            url: "smtp://127.0.0.1:\(port)", from: EmailAddress("pedidos@pedidos.test"),
            connectTimeout: .seconds(2), totalTimeout: .seconds(5)
        )
        let client = try SMTPClient(configuration: configuration)
        let (error, duration) = await elapsed {
            await #expect(throws: SMTPError.self) { try await client.send(message(to: uniqueAddress("cerrado"))) }
        }
        guard case .connectionFailed? = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
        #expect(duration < .seconds(5))
        #expect(await client.statistics().failures == 1)
    }

    @Test("A server that never answers fails with a transient timeout within the total timeout")
    func silentServerTimesOut() async throws {
        let server = try TestSockets.SilentServer()
        let configuration = try SMTPConfiguration(
            url: "smtp://127.0.0.1:\(server.port)", from: EmailAddress("pedidos@pedidos.test"),
            connectTimeout: .seconds(5), totalTimeout: .milliseconds(1500)
        )
        let client = try SMTPClient(configuration: configuration)
        let (error, duration) = await elapsed {
            await #expect(throws: SMTPError.self) { try await client.send(message(to: uniqueAddress("mudo"))) }
        }
        guard case .timedOut? = error else {
            Issue.record("expected timedOut, got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
        #expect(duration >= .milliseconds(1400))
        #expect(duration < .seconds(6))
        withExtendedLifetime(server) {}
    }

    @Test("Cancelling the sending task aborts a hanging transfer promptly")
    func cancellationAbortsTransfer() async throws {
        let server = try TestSockets.SilentServer()
        let configuration = try SMTPConfiguration(
            url: "smtp://127.0.0.1:\(server.port)", from: EmailAddress("pedidos@pedidos.test"),
            connectTimeout: .seconds(5), totalTimeout: .seconds(60)
        )
        let client = try SMTPClient(configuration: configuration)
        let email = message(to: uniqueAddress("cancelado"))
        let task = Task { try await client.send(email) }
        try await waitUntil("the client to connect") { server.acceptPending() }

        let start = ContinuousClock.now
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(throws: SMTPError.cancelled) { try result.get() }
    }

    @Test("A 4xx greeting is a transient rejection carrying the SMTP code")
    func temporaryRefusalIsTransient() async throws {
        let server = try TestSockets.SilentServer()
        let configuration = try SMTPConfiguration(
            url: "smtp://127.0.0.1:\(server.port)", from: EmailAddress("pedidos@pedidos.test"),
            connectTimeout: .seconds(5), totalTimeout: .seconds(10)
        )
        let client = try SMTPClient(configuration: configuration)
        let email = message(to: uniqueAddress("ocupado"))
        let task = Task { try await client.send(email) }
        try await waitUntil("the client to connect") { server.acceptPending() }
        server.send("421 4.3.2 Service not available, try again later\r\n")

        let error = await #expect(throws: SMTPError.self) { try await task.value }
        guard case .rejected(smtpCode: 421, _)? = error else {
            Issue.record("expected rejected(421), got \(String(describing: error))")
            return
        }
        #expect(error?.isTransient == true)
        #expect(error?.smtpCode == 421)
    }

    @Test("Requiring STARTTLS from a server that does not offer it is a permanent TLS error")
    func startTLSRequiredButNotOffered() async throws {
        let store = try MailStore.shared()
        let client = try SMTPClient(configuration: try devConfiguration(tlsMode: .startTLS))
        let recipient = uniqueAddress("sin-tls")
        let error = await #expect(throws: SMTPError.self) { try await client.send(message(to: recipient)) }
        guard case .tlsFailed? = error else {
            Issue.record("expected tlsFailed, got \(String(describing: error))")
            return
        }
        #expect(error?.isPermanent == true)
        #expect(try store.messages(to: recipient).isEmpty)
    }

    // MARK: - STARTTLS and AUTH against a private server

    @Test("TLS with AUTH and a trusted self-signed certificate delivers encrypted and authenticated over one connection",
          arguments: [SMTPConfiguration.TLSMode.startTLS, .implicit])
    func tlsWithAuthentication(mode: SMTPConfiguration.TLSMode) async throws {
        let implicit = mode == .implicit
        try await TLSSMTPServer.with(user: "u", password: "p", implicitTLS: implicit) { server in
            let configuration = try SMTPConfiguration(
                url: "\(implicit ? "smtps" : "smtp")://127.0.0.1:\(server.port)", username: "u", password: "p",
                from: EmailAddress("pedidos@pedidos.test", displayName: "Pedidos"),
                caFile: server.certificatePath, connectTimeout: .seconds(5), totalTimeout: .seconds(20)
            )
            #expect(configuration.tlsMode == mode)
            let client = try SMTPClient(configuration: configuration)
            let recipients = [uniqueAddress("tls-1"), uniqueAddress("tls-2")]
            for recipient in recipients {
                try await client.send(message(to: recipient, subject: "Tu pedido #7 está en camino — ñandú €"))
            }
            for recipient in recipients {
                let record = try #require(try await server.store.waitForMessages(to: recipient).first)
                #expect(record.tls)
                #expect(record.authenticated)
                #expect(record.subject == "Tu pedido #7 está en camino — ñandú €")
            }
            #expect(await client.statistics().connectionsOpened == 1)
        }
    }

    @Test("A plain smtp:// client cannot talk to an SMTPS port: a clear error, nothing delivered")
    func plainClientAgainstImplicitTLSFails() async throws {
        try await TLSSMTPServer.with(user: "u", password: "p", implicitTLS: true) { server in
            let configuration = try SMTPConfiguration(
                url: "smtp://127.0.0.1:\(server.port)", from: EmailAddress("pedidos@pedidos.test"),
                connectTimeout: .seconds(2), totalTimeout: .seconds(5)
            )
            let client = try SMTPClient(configuration: configuration)
            let started = ContinuousClock.now
            await #expect(throws: SMTPError.self) { try await client.send(message(to: uniqueAddress("smtps-plano"))) }
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(try server.store.all().isEmpty)
        }
    }

    @Test("After the server restarts, the kept handle reconnects and authenticates again by itself")
    func reconnectsAfterServerRestart() async throws {
        try await TLSSMTPServer.with(user: "u", password: "p") { server in
            let configuration = try SMTPConfiguration(
                url: "smtp://127.0.0.1:\(server.port)", username: "u", password: "p",
                from: EmailAddress("pedidos@pedidos.test"), caFile: server.certificatePath,
                connectTimeout: .seconds(5), totalTimeout: .seconds(20)
            )
            let client = try SMTPClient(configuration: configuration)
            let before = uniqueAddress("antes")
            try await client.send(message(to: before))
            _ = try await server.store.waitForMessages(to: before)

            try await server.restart()

            let after = uniqueAddress("despues")
            try await client.send(message(to: after))
            let record = try #require(try await server.store.waitForMessages(to: after).first)
            #expect(record.tls && record.authenticated)
            let statistics = await client.statistics()
            #expect(statistics.messagesSent == 2)
            #expect(statistics.failures == 0)
            #expect(statistics.connectionsOpened == 2)
        }
    }

    /// A client against a private STARTTLS + AUTH server that must fail for good before delivering anything.
    struct PermanentFailureCase: Sendable, CustomTestStringConvertible {
        let name: String
        let recipientPrefix: String
        let configure: @Sendable (_ port: Int, _ certificatePath: String) throws -> SMTPConfiguration
        let matches: @Sendable (SMTPError) -> Bool

        var testDescription: String { name }
    }

    static let permanentFailures: [PermanentFailureCase] = [
        PermanentFailureCase(
            name: "A wrong password is a permanent authentication error (535)", recipientPrefix: "clave-mala",
            configure: { port, certificate in
                try SMTPConfiguration(
                    url: "smtp://127.0.0.1:\(port)", username: "u", password: "incorrecta",
                    from: EmailAddress("pedidos@pedidos.test"), caFile: certificate,
                    connectTimeout: .seconds(5), totalTimeout: .seconds(20))
            },
            matches: { if case .authenticationFailed(smtpCode: 535, _) = $0 { true } else { false } }),
        PermanentFailureCase(
            name: "Without the CA file the self-signed certificate is rejected permanently", recipientPrefix: "no-confiable",
            configure: { port, _ in
                try SMTPConfiguration(
                    url: "smtp://127.0.0.1:\(port)", username: "u", password: "p",
                    from: EmailAddress("pedidos@pedidos.test"), connectTimeout: .seconds(5), totalTimeout: .seconds(20))
            },
            matches: { if case .tlsFailed = $0 { true } else { false } }),
        PermanentFailureCase(
            name: "A 5xx refusal (AUTH required, no credentials) is a permanent rejection", recipientPrefix: "sin-auth",
            configure: { port, certificate in
                try SMTPConfiguration(
                    url: "smtp://127.0.0.1:\(port)", from: EmailAddress("pedidos@pedidos.test"),
                    tlsMode: .startTLS, caFile: certificate, connectTimeout: .seconds(5), totalTimeout: .seconds(20))
            },
            matches: { if case .rejected(let code, _) = $0 { (500..<600).contains(code) } else { false } }),
    ]

    @Test("A permanent failure against a private TLS + AUTH server delivers nothing", arguments: permanentFailures)
    func permanentFailureDeliversNothing(_ failure: PermanentFailureCase) async throws {
        try await TLSSMTPServer.with(user: "u", password: "p") { server in
            let client = try SMTPClient(configuration: try failure.configure(server.port, server.certificatePath))
            let error = await #expect(throws: SMTPError.self) {
                try await client.send(message(to: uniqueAddress(failure.recipientPrefix)))
            }
            #expect(error.map(failure.matches) == true, "unexpected error: \(String(describing: error))")
            #expect(error?.isPermanent == true)
            #expect(try server.store.all().isEmpty)
        }
    }
}

/// The end-of-data hook, which lets the outbox commit "handed over" right before the server may take a
/// mail, and the failure classification that says whether a failed mail may still have arrived.
@Suite("SMTP end of data")
struct SMTPEndOfDataTests {
    private func message(to recipient: String) -> EmailMessage {
        EmailMessage(from: EmailAddress("pedidos@pedidos.test"), to: EmailAddress(recipient),
                     subject: "Tu pedido", body: "Hola\n")
    }

    private func client(port: Int) throws -> SMTPClient {
        try SMTPClient(configuration: try SMTPConfiguration(
            url: "smtp://127.0.0.1:\(port)", from: EmailAddress("pedidos@pedidos.test"),
            connectTimeout: .seconds(5), totalTimeout: .seconds(10)))
    }

    private func failure(_ body: () async throws -> Void) async -> SMTPSendFailure? {
        do {
            try await body()
            Issue.record("the send should have failed")
            return nil
        } catch let failure as SMTPSendFailure {
            return failure
        } catch {
            Issue.record("expected SMTPSendFailure, got \(error)")
            return nil
        }
    }

    @Test("the hook runs once before the real server accepts; a refusing hook means the server never gets the mail")
    func hookOnRealServer() async throws {
        let store = try MailStore.shared()
        let client = try SMTPClient(configuration: try SMTPConfiguration(
            url: TestEnvironment.smtpURL(), from: EmailAddress("pedidos@pedidos.test")))
        let recipient = "fin-datos-\(UUID().uuidString.lowercased())@clientes.test"
        let calls = Mutex(0)

        let refused = EmailMessage(from: EmailAddress("pedidos@pedidos.test"), to: EmailAddress(recipient),
                                   subject: "no debe llegar", body: "x\n")
        let refusal = await failure {
            try await client.send(refused) { calls.withLock { $0 += 1 }; return false }
        }
        #expect(refusal?.passedEndOfData == false)
        #expect(refusal?.mayHaveBeenDelivered == false)

        try await client.send(message(to: recipient)) { calls.withLock { $0 += 1 }; return true }
        let received = try await store.waitForMessages(to: recipient, count: 1)
        #expect(calls.withLock { $0 } == 2)
        #expect(received.count == 1, "only the mail whose hook allowed the end of data arrived")
        #expect(received.first?.header("Subject") == "Tu pedido")
    }

    @Test("a connection dropped after the end of data: the mail may have been delivered")
    func droppedAfterEndOfData() async throws {
        let server = try EndOfDataSMTPServer(atEndOfData: .dropConnection)
        let failure = await failure {
            try await client(port: server.port).send(message(to: "a@clientes.test")) { true }
        }
        #expect(server.sawEndOfData)
        #expect(failure?.passedEndOfData == true)
        #expect(failure?.mayHaveBeenDelivered == true)
    }

    @Test("an error reply to the end of data is a refusal: the mail was not delivered", arguments: [
        ("451 4.3.0 try again later", true), ("554 5.6.0 message refused", false),
    ])
    func refusedAtEndOfData(reply: String, transient: Bool) async throws {
        let server = try EndOfDataSMTPServer(atEndOfData: .reply(reply))
        let failure = await failure {
            try await client(port: server.port).send(message(to: "a@clientes.test")) { true }
        }
        #expect(server.sawEndOfData)
        #expect(failure?.passedEndOfData == true)
        #expect(failure?.mayHaveBeenDelivered == false)
        #expect(failure?.error.isTransient == transient)
        #expect(failure.map { "\($0.error)" }?.contains(reply) == true, "the error quotes the server's reply")
    }
}
