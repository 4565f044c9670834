import NIOCore

/// Hands each reply of the server to the command that waits for it, in order: RFC 5321 answers commands in
/// the order they were sent, also when they are pipelined (RFC 2920), so the n-th reply belongs to the
/// n-th command.
///
/// Lives on its channel's event loop; ``PipelinedSMTPTransport`` reaches it through a `NIOLoopBound`. Once the
/// connection fails (closed, reset, a protocol error, a timeout or a cancellation) every waiting command and
/// every later one fails with that error, and the channel is closed.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = SMTPReply

    private struct Waiter {
        let promise: EventLoopPromise<[SMTPReply]>
        let count: Int
        var replies: [SMTPReply] = []
        let timeout: Scheduled<Void>
    }

    private var context: ChannelHandlerContext?
    private var waiters = CircularBuffer<Waiter>()
    /// Replies no command asked for yet: the greeting before the first command, or a server's unsolicited
    /// `421` before it hangs up on an idle connection (which makes the connection unusable).
    private var unclaimed = CircularBuffer<SMTPReply>()
    private var failure: SMTPError?
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(.connectionFailed("the SMTP connection was closed"))
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        unclaimed.append(unwrapInboundIn(data))
        deliver()
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connectionFailed("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(.connectionFailed("\(error)"))
    }

    /// Writes `bytes` (if any) and returns the next `count` replies, or fails when the connection fails first
    /// or no reply completes them by `deadline`. A connection found closed, or holding a reply nobody asked
    /// for, fails at once with `connectionFailed`: nothing was sent on it.
    func send(_ bytes: ByteBuffer?, expecting count: Int, deadline: NIODeadline) -> EventLoopFuture<[SMTPReply]> {
        send(bytes, expecting: [count], deadline: deadline)[0]
    }

    /// Like ``send(_:expecting:deadline:)`` for a write that carries several commands or groups: one future
    /// per group, `counts[i]` replies each, in order.
    func send(_ bytes: ByteBuffer?, expecting counts: [Int], deadline: NIODeadline) -> [EventLoopFuture<[SMTPReply]>] {
        guard let context else {
            return counts.map { _ in eventLoop.makeFailedFuture(SMTPError.connectionFailed("the SMTP connection was closed")) }
        }
        if failure == nil, !context.channel.isActive { fail(.connectionFailed("the server closed the connection")) }
        if failure == nil, bytes != nil, waiters.isEmpty, let reply = unclaimed.first {
            // A reply before the command, such as a `421` before the server hung up on an idle connection.
            fail(.connectionFailed("the server sent an unsolicited reply: \(reply)"))
        }
        if let failure {
            return counts.map { _ in eventLoop.makeFailedFuture(SMTPError.connectionFailed("the connection is closed (\(failure))")) }
        }
        let futures = counts.map { count in
            let promise = eventLoop.makePromise(of: [SMTPReply].self)
            let timeout = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] () -> Void in
                self?.fail(.timedOut("no SMTP reply within the send timeout"))
            }
            waiters.append(Waiter(promise: promise, count: count, timeout: timeout))
            return promise.futureResult
        }
        if let bytes {
            let written = eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenFailure { [weak self] error in self?.fail(.connectionFailed("\(error)")) }
            context.writeAndFlush(NIOAny(bytes), promise: written)
        }
        deliver()
        return futures
    }

    /// Fails every waiting command and every later one with `error`, and closes the connection.
    func fail(_ error: SMTPError) {
        if failure == nil { failure = error }
        let reason = failure!
        while let waiter = waiters.popFirst() {
            waiter.timeout.cancel()
            waiter.promise.fail(reason)
        }
        context?.close(promise: nil)
    }

    private func deliver() {
        while !waiters.isEmpty, let reply = unclaimed.popFirst() {
            waiters[waiters.startIndex].replies.append(reply)
            guard let waiter = waiters.first, waiter.replies.count == waiter.count else { continue }
            waiters.removeFirst()
            waiter.timeout.cancel()
            waiter.promise.succeed(waiter.replies)
        }
    }
}
