import Foundation
import NIOCore
@testable import PedidosSMTP
import Testing

/// The plain-SMTP transport: the envelope pipelined (RFC 2920), the next mail's envelope announced behind
/// the end of data, the connection kept across mails and replaced when the server closed it, and the
/// content's dot-stuffing.
@Suite("SMTP pipelining")
struct SMTPPipeliningTests {
    private func client(port: Int) throws -> SMTPClient {
        try SMTPClient(configuration: try SMTPConfiguration(
            url: "smtp://127.0.0.1:\(port)", from: EmailAddress("pedidos@pedidos.test"),
            connectTimeout: .seconds(5), totalTimeout: .seconds(5)))
    }

    private func message(_ index: Int) -> EmailMessage {
        EmailMessage(from: EmailAddress("pedidos@pedidos.test"), to: EmailAddress("cliente-\(index)@clientes.test"),
                     subject: "Tu pedido #\(index)", body: "Hola\n")
    }

    @Test("a server that offers PIPELINING gets each envelope in one go, and one connection carries every mail")
    func envelopeIsPipelined() async throws {
        // The server answers MAIL FROM only once DATA has arrived: a client waiting for each reply would time out.
        let server = try PipeliningSMTPServer()
        let client = try client(port: server.port)
        for index in 1...3 { try await client.send(message(index)) }
        #expect(server.received == PipeliningSMTPServer.Counts(connections: 1, mails: 3))
        let statistics = await client.statistics()
        #expect(statistics.messagesSent == 3)
        #expect(statistics.connectionsOpened == 1)
        #expect(statistics.failures == 0)
    }

    @Test("a mail sent with the next one named announces that one's envelope behind its end of data")
    func nextEnvelopeRidesAlong() async throws {
        let server = try PipeliningSMTPServer()
        let client = try client(port: server.port)
        let messages = (1...4).map(message)
        for (index, message) in messages.enumerated() {
            try await client.send(message, beforeEndOfData: nil, then: index + 1 < messages.count ? messages[index + 1] : nil)
        }
        #expect(server.received == PipeliningSMTPServer.Counts(connections: 1, mails: 4, envelopesBehindEndOfData: 3))
        #expect(await client.statistics().failures == 0)
    }

    @Test("sending another mail than the announced one costs a new connection, never the wrong mail")
    func anotherMailThanAnnounced() async throws {
        let server = try PipeliningSMTPServer()
        let client = try client(port: server.port)
        try await client.send(message(1), beforeEndOfData: nil, then: message(2))
        try await client.send(message(3), beforeEndOfData: nil, then: nil)
        #expect(server.received.mails == 2)
        #expect(server.received.connections == 2)
        let statistics = await client.statistics()
        #expect(statistics.messagesSent == 2)
        #expect(statistics.failures == 0)
    }

    @Test("a kept connection the server closed is replaced, and the mail goes out without an error")
    func closedConnectionIsReplaced() async throws {
        let server = try PipeliningSMTPServer(hangUpAfterEachMail: true)
        let client = try client(port: server.port)
        // The server hangs up after each end of data, also on the envelope announced behind it.
        for index in 1...3 { try await client.send(message(index), beforeEndOfData: nil, then: message(index + 1)) }
        #expect(server.received == PipeliningSMTPServer.Counts(connections: 3, mails: 3))
        let statistics = await client.statistics()
        #expect(statistics.messagesSent == 3)
        #expect(statistics.failures == 0)
    }

    @Test("the content is dot-stuffed and ends with CRLF . CRLF", arguments: [
        ("Hola\r\n", "Hola\r\n.\r\n"),
        ("Hola", "Hola\r\n.\r\n"),
        (".oculto\r\nA\r\n.\r\n", "..oculto\r\nA\r\n..\r\n.\r\n"),
        ("a\r\n..b\r\nc", "a\r\n...b\r\nc\r\n.\r\n"),
    ])
    func contentIsDotStuffed(input: String, expected: String) {
        var content = PipelinedSMTPTransport.content(Array(input.utf8))
        #expect(content.readString(length: content.readableBytes) == expected)
    }
}
