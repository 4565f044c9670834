import Dispatch
import Logging
import PedidosSupport

/// Sends plain-text emails over SMTP with libcurl.
///
/// libcurl is blocking, so every transfer runs on the client's own serial `DispatchQueue` (never on
/// the Swift cooperative thread pool) and `send(_:)` suspends until it finishes. Messages from
/// concurrent callers are sent one after another over one connection, which libcurl keeps open and
/// reuses between messages. Every send is bounded by the configured connect and total timeouts.
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
        /// Sends that failed after reaching libcurl (validation errors are not counted).
        public var failures = 0
        /// TCP connections opened; lower than `messagesSent` when connections are reused.
        public var connectionsOpened = 0

        public init() {}
    }

    /// The configuration the client was created with.
    public let configuration: SMTPConfiguration
    private let transport: CurlSMTPTransport
    private let logger: Logger

    /// Creates a client; no connection is made until the first `send(_:)`.
    /// - Throws: `SMTPError.invalidConfiguration` when libcurl cannot be set up with this configuration
    ///   (e.g. it lacks TLS support).
    public init(configuration: SMTPConfiguration, logger: Logger = Logger(label: "pedidos.smtp")) throws(SMTPError) {
        self.configuration = configuration
        self.logger = logger
        let queue = DispatchQueue(label: "pedidos.smtp.\(configuration.host):\(configuration.port)")
        self.transport = try CurlSMTPTransport(configuration: configuration, queue: queue, logger: logger)
        logger.debug("SMTP client created", metadata: ["server": "\(configuration)"])
    }

    deinit {
        // Release the transport on its queue: curl_easy_cleanup may say QUIT to the server and wait
        // (bounded by the timeouts), which must not block whichever thread drops the client.
        let transport = self.transport
        transport.queue.async { withExtendedLifetime(transport) {} }
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

    /// Like ``send(_:)``, with a hook that runs once the whole message was handed to libcurl and right
    /// before the end of data (the final `.`), which is the moment the server may take the message.
    ///
    /// A caller that must never deliver a message twice commits "handed over" in the hook (returning
    /// `false` aborts the transfer, so the server never gets a complete message); after a failure,
    /// ``SMTPSendFailure/mayHaveBeenDelivered`` says whether sending again could duplicate it. The hook
    /// runs on the client's transport thread (never the cooperative pool), which the transfer waits on: it
    /// may block, e.g. on a semaphore that the commit it waits for signals.
    /// - Throws: ``SMTPSendFailure`` (cancellation included, as `SMTPError.cancelled`).
    public func send(_ message: EmailMessage, beforeEndOfData hook: (@Sendable () -> Bool)?) async throws {
        let rendered: SMTPRenderedMessage
        do throws(SMTPError) {
            rendered = try SMTPMessageRenderer.render(message)
        } catch {
            throw SMTPSendFailure(error: error, passedEndOfData: false)
        }
        let cancellation = CancellationFlag()
        logger.debug("SMTP sending", metadata: ["message-id": "\(rendered.messageID)", "to": "\(rendered.envelopeRecipient)"])
        let transport = self.transport
        try await withTaskCancellationHandler {
            try await runBlocking(on: transport.queue) {
                try transport.perform(rendered, cancellation: cancellation, endOfData: hook)
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// The client's counters, read on its queue (after any send already queued).
    public func statistics() async -> Statistics {
        await withCheckedContinuation { (continuation: CheckedContinuation<Statistics, Never>) in
            let transport = self.transport
            transport.queue.async { continuation.resume(returning: transport.statistics()) }
        }
    }
}
