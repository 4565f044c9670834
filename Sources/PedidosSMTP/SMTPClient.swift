import Logging

/// Sends plain-text emails over SMTP, one at a time over one kept connection.
///
/// Plain SMTP (a local relay or the development server) goes through SwiftNIO with the envelope
/// pipelined (``PipelinedSMTPTransport``); TLS and authentication go through libcurl on a serial queue
/// of its own (``CurlSMTPSender``). Either way `send(_:)` suspends until the server accepted the message,
/// messages from concurrent callers are sent one after another, and every send is bounded by the
/// configured connect and total timeouts.
///
/// ```swift
/// let client = try SMTPClient(configuration: .fromEnvironment())
/// try await client.send(EmailMessage(from: client.configuration.from,
///                                    to: EmailAddress("ana@example.com", displayName: "Ana"),
///                                    subject: "Tu pedido #1 está en preparación",
///                                    body: "¡Gracias por tu compra!"))
/// ```
public final class SMTPClient: Sendable {
    /// Counters describing what the client has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Messages the server accepted.
        public var messagesSent = 0
        /// Sends that failed after validation (validation errors are not counted).
        public var failures = 0
        /// TCP connections opened; lower than `messagesSent` when connections are reused.
        public var connectionsOpened = 0

        public init() {}
    }

    /// The configuration the client was created with.
    public let configuration: SMTPConfiguration
    private let transport: any SMTPTransport
    private let logger: Logger

    /// Creates a client; no connection is made until the first `send(_:)`.
    /// - Throws: `SMTPError.invalidConfiguration` when libcurl cannot be set up with this configuration
    ///   (e.g. it lacks TLS support).
    public init(configuration: SMTPConfiguration, logger: Logger = Logger(label: "pedidos.smtp")) throws(SMTPError) {
        self.configuration = configuration
        self.logger = logger
        if configuration.tlsMode == .none {
            self.transport = PipelinedSMTPTransport(configuration: configuration, logger: logger)
        } else {
            self.transport = try CurlSMTPSender(configuration: configuration, logger: logger)
        }
        logger.debug("SMTP client created", metadata: ["server": "\(configuration)"])
    }

    /// Validates, renders and sends `message`, returning once the server accepted it.
    ///
    /// Validation happens before anything is sent: CR, LF or NUL in any header value throws
    /// `SMTPError.headerInjection`, a malformed address `SMTPError.invalidAddress`.
    /// Cancelling the calling task aborts the transfer (`SMTPError.cancelled`).
    /// - Throws: `SMTPError`; check `isTransient` to decide whether to retry later.
    public func send(_ message: EmailMessage) async throws {
        do {
            try await send(message, beforeEndOfData: nil)
        } catch let failure as SMTPSendFailure {
            throw failure.error
        }
    }

    /// Like ``send(_:)``, with a hook that runs once the server is ready for the message and right before
    /// the end of data (the final `.`), which is the moment the server may take the message.
    ///
    /// A caller that must never deliver a message twice commits "handed over" in the hook (returning
    /// `false` aborts the transfer, so the server never gets a complete message); after a failure,
    /// ``SMTPSendFailure/mayHaveBeenDelivered`` says whether sending again could duplicate it. The envelope
    /// is already on its way while the hook runs, so a commit it awaits overlaps the server's round trip.
    ///
    /// `next` is the message the caller sends right after this one, if it knows it: over plain SMTP its
    /// envelope then leaves in the same write as this message's end of data (RFC 2920), so the next send
    /// starts with its envelope already answered, one round trip per message. Sending another message
    /// next instead only costs a new connection.
    /// - Throws: ``SMTPSendFailure`` (cancellation included, as `SMTPError.cancelled`).
    public func send(_ message: EmailMessage, beforeEndOfData hook: (@Sendable () async -> Bool)?,
                     then next: EmailMessage? = nil) async throws {
        let rendered: SMTPRenderedMessage
        do throws(SMTPError) {
            rendered = try SMTPMessageRenderer.render(message)
        } catch {
            throw SMTPSendFailure(error: error, passedEndOfData: false)
        }
        logger.debug("SMTP sending", metadata: ["message-id": "\(rendered.messageID)", "to": "\(rendered.envelopeRecipient)"])
        // An invalid next message is not announced; its own send reports why.
        let announced = next.flatMap { try? SMTPMessageRenderer.envelope(of: $0) }
        try await transport.send(rendered, beforeEndOfData: hook, then: announced)
    }

    /// Where a caller that sends one mail after another should run its loop
    /// (`withTaskExecutorPreference(client.preferredTaskExecutor) { … }`): over plain SMTP, the event loop of
    /// the client's connection, so a mail costs no thread switch between the caller and the socket; `nil`
    /// with libcurl.
    public var preferredTaskExecutor: (any TaskExecutor)? { transport.preferredTaskExecutor }

    /// The client's counters (after any send already queued).
    public func statistics() async -> Statistics {
        await transport.statistics()
    }
}
