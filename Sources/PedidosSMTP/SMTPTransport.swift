/// How ``SMTPClient`` delivers a rendered message: ``PipelinedSMTPTransport`` for plain SMTP,
/// ``CurlSMTPSender`` (libcurl) when the connection needs TLS or authentication.
///
/// Both send one message at a time over one kept connection, run `beforeEndOfData` once right before the
/// end of data (`false` aborts without the server getting a complete message), and throw
/// ``SMTPSendFailure``, which says whether the end of data was passed. `next`, the mail the caller sends
/// right after this one, lets a transport announce its envelope behind this one's end of data.
protocol SMTPTransport: Sendable {
    func send(_ message: SMTPRenderedMessage, beforeEndOfData hook: (@Sendable () async -> Bool)?,
              then next: SMTPEnvelope?) async throws(SMTPSendFailure)
    func statistics() async -> SMTPClient.Statistics
    /// Where a caller sending many mails in a row should run (`withTaskExecutorPreference`), so that its
    /// code and the connection's I/O share a thread; `nil` when any thread does as well.
    var preferredTaskExecutor: (any TaskExecutor)? { get }
}
