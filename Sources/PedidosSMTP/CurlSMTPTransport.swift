internal import CCurl
import Dispatch
import Logging
import PedidosSupport

/// Owns one libcurl easy handle configured for an SMTP server and performs blocking transfers with it.
///
/// The handle stays alive between messages, so libcurl keeps the SMTP connection open and reuses it
/// for the next message; a kept connection the server has meanwhile closed is replaced (see `perform`).
///
/// `@unchecked Sendable` is sound because the mutable state (the handle, the error buffer and the
/// statistics) is only touched on `queue`, a serial queue: `perform` and `statistics` check this with
/// `dispatchPrecondition`, and `deinit` runs after the last queued job released its reference
/// (`SMTPClient` hands its final reference to the queue).
final class CurlSMTPTransport: @unchecked Sendable {
    /// The serial queue every use of the handle runs on (a GCD thread, never the Swift cooperative pool).
    let queue: DispatchQueue
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let logger: Logger
    private var stats = SMTPClient.Statistics()
    /// Whether the last transfer succeeded, so libcurl keeps its connection for the next one.
    private var hasKeptConnection = false

    init(configuration: SMTPConfiguration, queue: DispatchQueue, logger: Logger) throws(SMTPError) {
        try CurlGlobal.ensureInitialized()
        guard let handle = curl_easy_init() else {
            throw .invalidConfiguration("curl_easy_init failed")
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        self.handle = handle
        self.errorBuffer = errorBuffer
        self.queue = queue
        self.logger = logger
        // From here on deinit frees the handle and the buffer, also when configuring fails.
        try configure(configuration)
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Options that stay the same for every message.
    private func configure(_ configuration: SMTPConfiguration) throws(SMTPError) {
        try set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
        try set(CURLOPT_URL, string: configuration.url)
        try set(CURLOPT_PROTOCOLS_STR, string: "smtp,smtps")
        try set(CURLOPT_NOSIGNAL, 1)  // no SIGALRM for timeouts: this runs on a background thread
        try set(CURLOPT_UPLOAD, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.milliseconds))
        try set(CURLOPT_TIMEOUT_MS, Int(configuration.totalTimeout.milliseconds))
        // Bounds each wait for a server reply, including the QUIT that curl_easy_cleanup sends, which
        // CURLOPT_TIMEOUT_MS does not cover (libcurl's default is 120 s).
        try set(CURLOPT_SERVER_RESPONSE_TIMEOUT, Int((configuration.totalTimeout.milliseconds + 999) / 1000))
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        switch configuration.tlsMode {
        case .none: try set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        case .startTLS, .implicit: try set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        }
        if let caFile = configuration.caFile { try set(CURLOPT_CAINFO, string: caFile) }
        if let username = configuration.username, let password = configuration.password {
            try set(CURLOPT_USERNAME, string: username)
            try set(CURLOPT_PASSWORD, string: password)
        }
        try check(pedidos_curl_setopt_read(handle, CurlSMTPCallbacks.read), "CURLOPT_READFUNCTION")
        try check(pedidos_curl_setopt_xferinfo(handle, CurlSMTPCallbacks.progress), "CURLOPT_XFERINFOFUNCTION")
        try set(CURLOPT_NOPROGRESS, 0)
        // The header callback receives every reply line of the server; it keeps the error replies for error
        // messages. (CURLOPT_VERBOSE with a debug callback did the same at a much higher cost per message:
        // libcurl then formats and reports every command, reply and informational text.)
        try check(pedidos_curl_setopt_header(handle, CurlSMTPCallbacks.header), "CURLOPT_HEADERFUNCTION")
    }

    /// Sends one rendered message, blocking until the server accepted it or the transfer failed.
    ///
    /// A connection kept from an earlier message may have been closed by the server in the meantime
    /// (idle timeout, restart) without libcurl noticing before reusing it. When such a reused
    /// connection fails before the whole message was handed to libcurl, the server cannot have
    /// accepted it, so the message is sent once more on a new connection.
    ///
    /// `endOfData` runs at most once, on this queue, right before libcurl sends the end of data; returning
    /// `false` aborts the transfer before the server could accept the message.
    /// - Throws: ``SMTPSendFailure``, which says whether the end of data was passed (after which the
    ///   server may hold the message although the send failed).
    func perform(_ message: SMTPRenderedMessage, cancellation: CancellationFlag,
                 endOfData: (() -> Bool)? = nil) throws(SMTPSendFailure) {
        dispatchPrecondition(condition: .onQueue(queue))
        var passedEndOfData = false
        do throws(SMTPError) {
            let attempt = try performOnce(message, cancellation: cancellation, endOfData: endOfData)
            passedEndOfData = attempt.passedEndOfData
            guard var error = attempt.error else { return }
            if case .connectionFailed = error, attempt.reusedConnection, !attempt.uploadedEverything {
                logger.debug("SMTP reused connection was dead; retrying on a new connection", metadata: [
                    "message-id": "\(message.messageID)", "error": "\(error)",
                ])
                let retry = try performOnce(message, cancellation: cancellation, endOfData: endOfData,
                                            freshConnection: true)
                passedEndOfData = retry.passedEndOfData
                guard let retryError = retry.error else { return }
                error = retryError
            }
            throw error
        } catch {
            stats.failures += 1
            logger.warning("SMTP send failed", metadata: [
                "message-id": "\(message.messageID)", "error": "\(error)", "transient": "\(error.isTransient)",
                "after-end-of-data": "\(passedEndOfData)",
            ])
            throw SMTPSendFailure(error: error, passedEndOfData: passedEndOfData)
        }
    }

    private struct Attempt {
        var error: SMTPError?
        /// Whether the transfer ran on a connection kept from an earlier message.
        var reusedConnection: Bool
        /// Whether libcurl read the whole message (after which the server may have accepted it).
        var uploadedEverything: Bool
        /// Whether the end-of-data hook allowed the end of data.
        var passedEndOfData: Bool
    }

    private func performOnce(
        _ message: SMTPRenderedMessage,
        cancellation: CancellationFlag,
        endOfData: (() -> Bool)?,
        freshConnection: Bool = false
    ) throws(SMTPError) -> Attempt {
        if cancellation.isCancelled { throw .cancelled }
        guard let recipients = curl_slist_append(nil, message.envelopeRecipient) else {
            throw .transferFailed(curlCode: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed")
        }
        let context = CurlTransferContext(bytes: message.bytes, cancellation: cancellation, endOfData: endOfData)
        let unmanaged = Unmanaged.passRetained(context)
        defer {
            // The handle must not keep pointers to the list or the context once they are freed.
            _ = pedidos_curl_setopt_ptr(handle, CURLOPT_MAIL_RCPT, nil)
            _ = pedidos_curl_setopt_ptr(handle, CURLOPT_READDATA, nil)
            _ = pedidos_curl_setopt_ptr(handle, CURLOPT_XFERINFODATA, nil)
            _ = pedidos_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, nil)
            _ = pedidos_curl_setopt_long(handle, CURLOPT_FRESH_CONNECT, 0)
            curl_slist_free_all(recipients)
            unmanaged.release()
        }
        try set(CURLOPT_MAIL_FROM, string: message.envelopeFrom)
        try set(CURLOPT_MAIL_RCPT, pointer: recipients)
        try set(CURLOPT_READDATA, pointer: unmanaged.toOpaque())
        try set(CURLOPT_XFERINFODATA, pointer: unmanaged.toOpaque())
        try set(CURLOPT_HEADERDATA, pointer: unmanaged.toOpaque())
        try set(CURLOPT_FRESH_CONNECT, freshConnection ? 1 : 0)
        try check(pedidos_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(message.bytes.count)),
                  "CURLOPT_INFILESIZE_LARGE")

        let reusable = hasKeptConnection && !freshConnection
        errorBuffer[0] = 0
        let code = curl_easy_perform(handle)
        let newConnections = info(CURLINFO_NUM_CONNECTS)
        let replyCode = info(CURLINFO_RESPONSE_CODE)
        stats.connectionsOpened += newConnections

        guard code != CURLE_OK else {
            hasKeptConnection = true
            stats.messagesSent += 1
            logger.debug("SMTP message accepted", metadata: [
                "message-id": "\(message.messageID)", "new-connections": "\(newConnections)",
            ])
            return Attempt(error: nil, reusedConnection: newConnections == 0, uploadedEverything: true,
                           passedEndOfData: true)
        }
        // libcurl closes the connection after a failed transfer.
        hasKeptConnection = false
        let error = SMTPError(
            curlCode: code,
            replyCode: replyCode,
            detail: String(cString: errorBuffer),
            lastReply: context.lastErrorReply,
            cancelled: cancellation.isCancelled
        )
        return Attempt(error: error, reusedConnection: reusable && newConnections == 0,
                       uploadedEverything: context.uploadedEverything, passedEndOfData: context.passedEndOfData)
    }

    /// Counters since the transport was created.
    func statistics() -> SMTPClient.Statistics {
        dispatchPrecondition(condition: .onQueue(queue))
        return stats
    }

    // MARK: - Option helpers

    private func set(_ option: CURLoption, _ value: Int) throws(SMTPError) {
        try check(pedidos_curl_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, string: String) throws(SMTPError) {
        // libcurl copies string options, so the temporary C string may go away afterwards.
        let code = string.withCString { pedidos_curl_setopt_ptr(handle, option, $0) }
        try check(code, "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws(SMTPError) {
        try check(pedidos_curl_setopt_ptr(handle, option, pointer), "option \(option.rawValue)")
    }

    private func set<T>(_ option: CURLoption, pointer: UnsafeMutablePointer<T>?) throws(SMTPError) {
        try set(option, pointer: UnsafeRawPointer(pointer))
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(SMTPError) {
        try set(option, pointer: UnsafeRawPointer(pointer))
    }

    private func check(_ code: CURLcode, _ what: String) throws(SMTPError) {
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            throw .invalidConfiguration("libcurl rejected \(what): \(reason)")
        }
    }

    private func info(_ item: CURLINFO) -> Int {
        var value = 0
        return pedidos_curl_getinfo_long(handle, item, &value) == CURLE_OK ? value : 0
    }
}

