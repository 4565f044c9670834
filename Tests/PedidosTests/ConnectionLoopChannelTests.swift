import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import NIOPosix
import PedidosServiceKit
import Testing

/// A request context that keeps its connection's event loop, so a handler can tell where it runs.
private struct LoopRecordingContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let connectionLoop: any EventLoop

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connectionLoop = source.channel.eventLoop
    }
}

/// `HTTPServerBuilder.http1OnConnectionLoop()`: each connection is served on its channel's event loop.
@Suite("ConnectionLoopChannel")
struct ConnectionLoopChannelTests {
    /// Serves `GET /loop` on a real socket and answers whether the handler ran on its connection's loop,
    /// before and after awaiting work that completes on another thread.
    private func whereHandlersRun(server: HTTPServerBuilder) async throws -> [String] {
        let router = Router(context: LoopRecordingContext.self)
        router.get("loop") { _, context -> String in
            let before = context.connectionLoop.inEventLoop
            // Completes on the cooperative pool, as a broker acknowledgement completes on librdkafka's thread.
            await Task.detached { _ = (0..<100).reduce(0, +) }.value
            return "\(before) \(context.connectionLoop.inEventLoop)"
        }
        let app = Application(router: router, server: server,
                              eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton))
        return try await app.test(.live) { client in
            var answers: [String] = []
            for _ in 0..<8 {
                answers.append(try await client.execute(uri: "/loop", method: .get) { String(buffer: $0.body) })
            }
            return answers
        }
    }

    @Test("a handler runs on its connection's event loop, also after awaiting work on another thread")
    func handlerStaysOnConnectionLoop() async throws {
        let answers = try await whereHandlersRun(server: .http1OnConnectionLoop())
        #expect(answers == Array(repeating: "true true", count: 8))
    }

    @Test("the plain HTTP/1.1 server runs handlers off the loop (the check above can fail)")
    func plainServerRunsOffTheLoop() async throws {
        let answers = try await whereHandlersRun(server: .http1())
        #expect(answers.count == 8)
        #expect(!answers.contains("true true"))
    }
}
