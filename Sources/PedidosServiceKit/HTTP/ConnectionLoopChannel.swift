import HummingbirdCore
import Logging
import NIOCore
import PedidosSupport

/// A server child channel whose connections are each served on their own channel's event loop.
///
/// Hummingbird serves every connection in a task of the cooperative pool, so each request crosses threads
/// twice: the event loop hands the parsed request to the pool, and the pool hands the response back to
/// the loop. On a loaded two-core machine each crossing is a wake-up and a context switch, which cost more
/// than a small handler's own work. Here a connection's task prefers its channel's loop
/// (``EventLoopTaskExecutor/run(_:)``): reading the request, running the handler and writing the response
/// happen on the thread that does the connection's I/O. Work the handler awaits elsewhere (the broker's
/// acknowledgement, a PostgreSQL write) resumes the task on that loop, and helper tasks that start from
/// ``EventLoopTaskExecutor/current`` (a group-committed write) run there too.
/// Connections stay spread over the group's loops, so the server still uses every loop.
struct ConnectionLoopChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await EventLoopTaskExecutor(eventLoop: value.channel.eventLoop).run {
            await base.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with each connection served on its channel's event loop (``ConnectionLoopChannel``).
    public static func http1OnConnectionLoop(configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            ConnectionLoopChannel(base: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
