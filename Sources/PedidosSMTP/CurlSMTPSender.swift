import Dispatch
import Logging
import PedidosSupport
import Synchronization

/// The libcurl transport, for connections with TLS or authentication: every transfer runs on its own serial
/// `DispatchQueue` (libcurl blocks; never on the Swift cooperative thread pool), one after another over one
/// kept connection, and the caller suspends until it finishes.
final class CurlSMTPSender: SMTPTransport {
    private let transport: CurlSMTPTransport

    /// - Throws: `SMTPError.invalidConfiguration` when libcurl cannot be set up with this configuration.
    init(configuration: SMTPConfiguration, logger: Logger) throws(SMTPError) {
        let queue = DispatchQueue(label: "pedidos.smtp.\(configuration.host):\(configuration.port)")
        transport = try CurlSMTPTransport(configuration: configuration, queue: queue, logger: logger)
    }

    deinit {
        // Release the transport on its queue: curl_easy_cleanup may say QUIT to the server and wait
        // (bounded by the timeouts), which must not block whichever thread drops the sender.
        let transport = self.transport
        transport.queue.async { withExtendedLifetime(transport) {} }
    }

    /// Sends `message`; libcurl has no pipelining, so `next` is not used.
    func send(_ message: SMTPRenderedMessage, beforeEndOfData hook: (@Sendable () async -> Bool)?,
              then next: SMTPEnvelope?) async throws(SMTPSendFailure) {
        let cancellation = CancellationFlag()
        let transport = self.transport
        // libcurl asks for the last chunk on the transport thread, which may block: it waits for the hook there.
        let endOfData: (@Sendable () -> Bool)?
        if let hook { endOfData = { CurlSMTPSender.blocking(on: hook) } } else { endOfData = nil }
        do {
            try await withTaskCancellationHandler {
                try await runBlocking(on: transport.queue) {
                    try transport.perform(message, cancellation: cancellation, endOfData: endOfData)
                }
            } onCancel: {
                cancellation.cancel()
            }
        } catch let failure as SMTPSendFailure {
            throw failure
        } catch {
            throw SMTPSendFailure(error: .cancelled, passedEndOfData: false)
        }
    }

    /// libcurl runs on its own queue: no thread is better than another for the caller.
    var preferredTaskExecutor: (any TaskExecutor)? { nil }

    func statistics() async -> SMTPClient.Statistics {
        await withCheckedContinuation { (continuation: CheckedContinuation<SMTPClient.Statistics, Never>) in
            let transport = self.transport
            transport.queue.async { continuation.resume(returning: transport.statistics()) }
        }
    }

    /// Runs the async `hook` and blocks the calling (transport) thread until it returns.
    private static func blocking(on hook: @escaping @Sendable () async -> Bool) -> Bool {
        let done = DispatchSemaphore(value: 0)
        let allowed = Mutex(false)
        Task {
            let result = await hook()
            allowed.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return allowed.withLock { $0 }
    }
}
