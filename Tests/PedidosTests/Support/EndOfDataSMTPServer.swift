import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A one-connection SMTP server on 127.0.0.1 that plays a normal conversation up to the end of data and
/// then does what the test asks: drop the connection without an answer (the client cannot know whether
/// the mail was taken) or answer with an error reply. It stands in for the moments a real server's
/// connection breaks, which cannot be timed from outside a real server.
final class EndOfDataSMTPServer: Sendable {
    enum AtEndOfData: Sendable {
        case dropConnection
        case reply(String)
    }

    let port: Int
    private let listener: Int32
    private let receivedEndOfData = Mutex(false)

    init(atEndOfData: AtEndOfData) throws {
        let (listener, port) = try TestSockets.loopbackListener()
        self.port = port
        self.listener = listener
        let thread = Thread { [self] in serve(atEndOfData) }
        thread.name = "end-of-data-smtp"
        thread.start()
    }

    deinit { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    /// Whether the client sent the whole message including the final `.`.
    var sawEndOfData: Bool { receivedEndOfData.withLock { $0 } }

    private func serve(_ action: AtEndOfData) {
        let fd = accept(listener, nil, nil)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var buffer: [UInt8] = []
        var inData = false
        func write(_ text: String) { let bytes = Array(text.utf8); _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        write("220 end-of-data test server\r\n")
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { return }
            buffer.append(contentsOf: chunk[0..<count])
            if inData {
                guard let end = buffer.firstRange(of: Array("\r\n.\r\n".utf8)) else { continue }
                buffer.removeSubrange(..<end.upperBound)
                inData = false
                receivedEndOfData.withLock { $0 = true }
                switch action {
                case .dropConnection: return
                case .reply(let line): write(line + "\r\n")
                }
                continue
            }
            while let newline = buffer.firstRange(of: Array("\r\n".utf8)) {
                let line = String(decoding: buffer[..<newline.lowerBound], as: UTF8.self).uppercased()
                buffer.removeSubrange(..<newline.upperBound)
                if line.hasPrefix("EHLO") || line.hasPrefix("HELO") { write("250 localhost\r\n") }
                else if line.hasPrefix("DATA") { write("354 go ahead\r\n"); inData = true; break }
                else if line.hasPrefix("QUIT") { write("221 bye\r\n"); return }
                else { write("250 ok\r\n") }
            }
        }
    }
}
