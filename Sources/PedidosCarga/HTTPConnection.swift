import NIOCore
import NIOHTTP1
import NIOPosix

/// An answer: status and body bytes.
struct HTTPAnswer: Sendable {
    let status: Int
    let body: [UInt8]
}

/// One keep-alive HTTP/1.1 connection, used for one request at a time by the task that owns it.
///
/// `run` connects and hands the body a ``Sender`` until the body returns; the connection closes after.
enum HTTPConnection {
    /// Sends requests over the open connection.
    struct Sender {
        let host: String
        var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
        let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

        /// Writes the request and reads the whole answer.
        /// - Throws: when the connection fails or closes before the answer ends.
        mutating func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> HTTPAnswer {
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
            head.headers.add(name: "Host", value: host)
            if let body {
                head.headers.add(name: "Content-Type", value: "application/json")
                head.headers.add(name: "Content-Length", value: String(body.count))
            }
            try await outbound.write(.head(head))
            if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))
            var status = 0
            var bytes: [UInt8] = []
            while let part = try await inbound.next() {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body(let buffer): bytes.append(contentsOf: buffer.readableBytesView)
                case .end: return HTTPAnswer(status: status, body: bytes)
                }
            }
            throw CargaError("la conexión se cerró antes de la respuesta")
        }
    }

    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Opens a connection to `endpoint`, runs `body` with it and closes it.
    static func run<T: Sendable>(
        _ endpoint: HTTPEndpoint, _ body: (inout Sender) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var sender = Sender(host: "\(endpoint.host):\(endpoint.port)", inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&sender)
        }
    }

    /// One request on a connection of its own.
    static func once(_ endpoint: HTTPEndpoint, _ method: HTTPMethod, _ path: String) async throws -> HTTPAnswer {
        try await run(endpoint) { sender in try await sender.send(method, endpoint.basePath + path) }
    }
}
