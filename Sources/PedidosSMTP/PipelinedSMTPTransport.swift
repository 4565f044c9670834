import Logging
import NIOCore
import NIOPosix
import PedidosSupport
import Synchronization

/// Sends mail over plain SMTP with SwiftNIO, pipelined (RFC 2920): `MAIL FROM`, `RCPT TO` and `DATA` leave in
/// one write and their three replies come back together; the content and its end of data leave in a second
/// write, and when the caller names the mail it sends next, that mail's envelope rides along in the same
/// write. A run of mails then costs one round trip each, no thread of its own and no blocking: the
/// end-of-data hook is awaited, and the commit it waits for runs while the envelope is on the wire.
///
/// The connection stays open between mails. One that the server closed meanwhile, or that breaks while an
/// envelope is in flight (before any content), is replaced and the mail sent again on the new one, since
/// the server cannot hold it. A mail other than the announced one starts on a new connection (the server is
/// inside the announced mail's `DATA`). A server that does not offer `PIPELINING` gets the commands one at
/// a time. Without TLS this client never authenticates (``SMTPConfiguration`` refuses credentials over
/// plain connections); TLS and AUTH go through libcurl (``CurlSMTPSender``).
final class PipelinedSMTPTransport: SMTPTransport {
    /// An open connection, its reply handler and what the server offered in its `EHLO` reply.
    private struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<SMTPReplyHandler>
        let pipelining: Bool

        /// Writes `text` (if any) and waits for the next `count` replies.
        func send(_ text: String?, expecting count: Int, deadline: NIODeadline) async throws -> [SMTPReply] {
            let handler = self.handler
            return try await onLoop {
                handler.value.send(text.map { ByteBuffer(string: $0) }, expecting: count, deadline: deadline)
            }.get()
        }

        /// Writes a mail's content and end of data, followed by the envelope of `next` if any; returns the
        /// reply to the end of data, and the announced envelope whose replies the next mail will use.
        func sendContent(_ content: ByteBuffer, announcing next: SMTPEnvelope?,
                         deadline: NIODeadline) async throws -> (SMTPReply, AnnouncedEnvelope?) {
            let handler = self.handler, channel = self.channel
            return try await onLoop {
                var bytes = content
                for command in next?.commands ?? [] { bytes.writeString(command) }
                let replies = handler.value.send(bytes, expecting: next == nil ? [1] : [1, 3], deadline: deadline)
                let announced = next.map { AnnouncedEnvelope(envelope: $0, channel: channel, replies: replies[1]) }
                return replies[0].map { ($0[0], announced) }
            }.get()
        }

        /// Runs `body` on the connection's event loop: right here when the caller already runs there (a lane
        /// on the client's ``preferredTaskExecutor``), else in one hop.
        private func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
            channel.eventLoop.inEventLoop ? body() : channel.eventLoop.flatSubmit(body)
        }

        func fail(_ error: SMTPError) {
            let handler = self.handler
            channel.eventLoop.execute { handler.value.fail(error) }
        }
    }

    /// The envelope of the next mail, sent behind the previous mail's end of data, and its replies.
    private final class AnnouncedEnvelope: Sendable {
        let envelope: SMTPEnvelope
        let channel: any Channel
        private let replies: EventLoopFuture<[SMTPReply]>
        private let settled = Mutex<Result<[SMTPReply], any Error>?>(nil)

        /// Create it on the channel's event loop, before `replies` can complete.
        init(envelope: SMTPEnvelope, channel: any Channel, replies: EventLoopFuture<[SMTPReply]>) {
            self.envelope = envelope
            self.channel = channel
            self.replies = replies
            replies.whenComplete { result in self.settled.withLock { $0 = result } }
        }

        /// The three replies; when they are already here, without a hop to the event loop and back.
        func value() async throws -> [SMTPReply] {
            if let result = settled.withLock({ $0 }) { return try result.get() }
            return try await replies.get()
        }
    }

    private struct State {
        var connection: Connection?
        var announced: AnnouncedEnvelope?
        var statistics = SMTPClient.Statistics()
    }

    private let configuration: SMTPConfiguration
    /// The loop every connection of this client lives on, and the executor that runs callers on it.
    private let eventLoop: any EventLoop
    private let executor: EventLoopTaskExecutor
    private let logger: Logger
    private let queue = SendQueue()
    private let state = Mutex(State())

    init(configuration: SMTPConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        precondition(configuration.tlsMode == .none && configuration.username == nil,
                     "PipelinedSMTPTransport speaks plain SMTP without authentication")
        self.configuration = configuration
        self.eventLoop = group.next()
        self.executor = EventLoopTaskExecutor(eventLoop: eventLoop)
        self.logger = logger
    }

    var preferredTaskExecutor: (any TaskExecutor)? { executor }

    deinit {
        state.withLock { $0.connection }?.channel.close(promise: nil)
    }

    func statistics() async -> SMTPClient.Statistics {
        await queue.run { state.withLock { $0.statistics } }
    }

    func send(_ message: SMTPRenderedMessage, beforeEndOfData hook: (@Sendable () async -> Bool)?,
              then next: SMTPEnvelope?) async throws(SMTPSendFailure) {
        do {
            try await queue.run {
                try await withTaskCancellationHandler {
                    try await transfer(message, beforeEndOfData: hook, then: next)
                } onCancel: {
                    state.withLock { $0.connection }?.fail(.cancelled)
                }
            }
            state.withLock { $0.statistics.messagesSent += 1 }
        } catch let failure as SMTPSendFailure {
            state.withLock { $0.statistics.failures += 1 }
            logger.warning("SMTP send failed", metadata: [
                "message-id": "\(message.messageID)", "error": "\(failure.error)",
                "transient": "\(failure.error.isTransient)", "after-end-of-data": "\(failure.passedEndOfData)",
            ])
            throw failure
        } catch {
            preconditionFailure("transfer throws only SMTPSendFailure, got \(error)")
        }
    }

    /// One mail transaction. Throws only ``SMTPSendFailure``.
    private func transfer(_ message: SMTPRenderedMessage, beforeEndOfData hook: (@Sendable () async -> Bool)?,
                          then next: SMTPEnvelope?) async throws {
        let deadline = NIODeadline.now() + .nanoseconds(configuration.totalTimeout.nanoseconds)
        var passedEndOfData = false
        do {
            if Task.isCancelled { throw SMTPError.cancelled }
            let (connection, replies) = try await openTransaction(message.envelope, deadline: deadline)
            if let refusal = replies.first(where: { !$0.isPositive }) ?? (replies.last?.code == 354 ? nil : replies.last) {
                // The transaction is half open on the server's side: start the next mail on a new connection.
                connection.fail(.rejected(smtpCode: refusal.code, message: "\(refusal)"))
                throw SMTPError.rejected(smtpCode: refusal.code, message: "\(refusal)")
            }
            if let hook, !(await hook()) {
                connection.fail(.cancelled)  // the server never gets the end of data
                throw SMTPError.aborted("the end of data was withheld by the caller")
            }
            passedEndOfData = true
            let (reply, announced) = try await Self.mapping {
                try await connection.sendContent(Self.content(message.bytes), announcing: connection.pipelining ? next : nil,
                                                 deadline: deadline)
            }
            state.withLock { $0.announced = announced }
            guard (200..<300).contains(reply.code) else {
                throw SMTPError.rejected(smtpCode: reply.code, message: "\(reply)")
            }
            logger.debug("SMTP message accepted", metadata: ["message-id": "\(message.messageID)"])
        } catch let error as SMTPError {
            // Whatever failed, the next mail starts on a new connection.
            let dropped = state.withLock { state in
                state.announced = nil
                return state.connection.take()
            }
            dropped?.fail(error)
            throw SMTPSendFailure(error: Task.isCancelled ? .cancelled : error, passedEndOfData: passedEndOfData)
        }
    }

    /// The connection the mail goes on and the replies to its envelope (`MAIL FROM`, `RCPT TO`, `DATA`): the
    /// replies the previous mail's write already asked for when this mail was announced, or a new envelope.
    /// A failure before any content is retried once on a new connection when the connection was kept from
    /// earlier mails (the server may have closed it meanwhile), since the server cannot hold the mail.
    private func openTransaction(_ envelope: SMTPEnvelope, deadline: NIODeadline) async throws(SMTPError) -> (Connection, [SMTPReply]) {
        let (kept, announced) = state.withLock { state in (state.connection, state.announced.take()) }
        guard let kept else {
            let connection = try await connect(deadline: deadline)
            return (connection, try await self.envelope(envelope, on: connection, deadline: deadline))
        }
        do throws(SMTPError) {
            if let announced {
                // Another mail than the announced one: the server is inside the announced mail's DATA.
                guard announced.envelope == envelope, announced.channel === kept.channel else {
                    throw SMTPError.connectionFailed("the connection waits for the content of another mail")
                }
                // Whatever ended the wait (the server hung up, the previous mail's deadline passed), only the
                // envelope went out: the mail goes on a new connection.
                do { return (kept, try await announced.value()) } catch {
                    throw SMTPError.connectionFailed("no reply to the announced envelope: \(error)")
                }
            }
            return (kept, try await self.envelope(envelope, on: kept, deadline: deadline))
        } catch {
            // A kept connection the server had closed, or busy with another mail: nothing of this mail reached it.
            guard case .connectionFailed = error else { throw error }
            logger.debug("SMTP kept connection unusable; the mail goes on a new connection",
                         metadata: ["message-id": "\(envelope.messageID)", "error": "\(error)"])
            let connection = try await connect(deadline: deadline)
            return (connection, try await self.envelope(envelope, on: connection, deadline: deadline))
        }
    }

    /// `MAIL FROM`, `RCPT TO` and `DATA`, in one write when the server pipelines; their three replies.
    private func envelope(_ envelope: SMTPEnvelope, on connection: Connection, deadline: NIODeadline) async throws(SMTPError) -> [SMTPReply] {
        let commands = envelope.commands
        return try await Self.mapping {
            if connection.pipelining {
                return try await connection.send(commands.joined(), expecting: 3, deadline: deadline)
            }
            var replies: [SMTPReply] = []
            for command in commands {
                let reply = try await connection.send(command, expecting: 1, deadline: deadline)[0]
                replies.append(reply)
                if !reply.isPositive { break }
            }
            return replies
        }
    }

    /// Opens a connection, reads the greeting and says `EHLO`.
    private func connect(deadline: NIODeadline) async throws(SMTPError) -> Connection {
        state.withLock { $0.connection }?.channel.close(promise: nil)
        state.withLock { $0.connection = nil }
        let remaining = deadline - .now()
        let timeout = min(.nanoseconds(configuration.connectTimeout.nanoseconds), remaining)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyHandler(eventLoop: channel.eventLoop))
                    }
                }
                .connect(host: configuration.host, port: configuration.port).get()
        } catch ChannelError.connectTimeout {
            throw .timedOut("no TCP connection to \(configuration.url) within \(timeout)")
        } catch let error as NIOConnectionError {
            let reason = error.connectionErrors.first.map { "\($0.error)" } ?? "\(error)"
            throw .connectionFailed("cannot connect to \(configuration.url): \(reason)")
        } catch {
            throw .connectionFailed("cannot connect to \(configuration.url): \(error)")
        }
        state.withLock { $0.statistics.connectionsOpened += 1 }
        let connection: Connection
        do {
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: SMTPReplyHandler.self), eventLoop: channel.eventLoop)
            }.get()
            let plain = Connection(channel: channel, handler: handler, pipelining: false)
            state.withLock { $0.connection = plain }  // from here on, cancellation closes it
            if Task.isCancelled { throw SMTPError.cancelled }  // cancelled before it could
            let greeting = try await Self.mapping { try await plain.send(nil, expecting: 1, deadline: deadline)[0] }
            guard greeting.code == 220 else { throw SMTPError.rejected(smtpCode: greeting.code, message: "\(greeting)") }
            let hello = try await Self.mapping { try await plain.send("EHLO \(Self.clientName)\r\n", expecting: 1, deadline: deadline)[0] }
            guard hello.code == 250 else { throw SMTPError.rejected(smtpCode: hello.code, message: "\(hello)") }
            connection = Connection(channel: channel, handler: handler, pipelining: hello.advertises("PIPELINING"))
        } catch {
            channel.close(promise: nil)
            state.withLock { $0.connection = nil }
            throw (error as? SMTPError) ?? .connectionFailed("\(error)")
        }
        state.withLock { $0.connection = connection }
        logger.debug("SMTP connected", metadata: ["server": "\(configuration.url)", "pipelining": "\(connection.pipelining)"])
        return connection
    }

    /// The name this client gives in `EHLO`: an address literal, since it has no public host name.
    static let clientName = "[127.0.0.1]"

    /// The message as the server reads it in DATA: lines starting with `.` get another one (RFC 5321
    /// §4.5.2), a final CRLF if missing, then the end of data `.`.
    static func content(_ bytes: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(bytes.count + 8)
        let needsStuffing = bytes.withUnsafeBufferPointer { bytes in
            guard let first = bytes.first else { return false }
            if first == UInt8(ascii: ".") { return true }
            for index in 1..<bytes.count where bytes[index] == UInt8(ascii: ".") && bytes[index - 1] == UInt8(ascii: "\n") {
                return true
            }
            return false
        }
        guard needsStuffing else {
            buffer.writeBytes(bytes)
            if let last = bytes.last, last != UInt8(ascii: "\n") { buffer.writeString("\r\n") }
            buffer.writeString(".\r\n")
            return buffer
        }
        var lineStart = true
        for byte in bytes {
            if lineStart, byte == UInt8(ascii: ".") { buffer.writeInteger(UInt8(ascii: ".")) }
            buffer.writeInteger(byte)
            lineStart = byte == UInt8(ascii: "\n")
        }
        if !bytes.isEmpty, !lineStart { buffer.writeString("\r\n") }
        buffer.writeString(".\r\n")
        return buffer
    }

    /// Runs `body`, turning whatever it throws into an ``SMTPError``.
    private static func mapping<T>(_ body: () async throws -> T) async throws(SMTPError) -> T {
        do { return try await body() } catch let error as SMTPError { throw error } catch {
            throw .connectionFailed("\(error)")
        }
    }
}
