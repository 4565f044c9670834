import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A loopback SMTP server that offers `PIPELINING` and insists on it: it answers a mail's `MAIL FROM` only
/// once `RCPT TO` and `DATA` have arrived too, so a client that waits for each reply before the next command
/// stalls until its own timeout. It also counts the envelopes that arrive together with the previous mail's
/// end of data, as a client that announces its next mail sends them. It serves one connection after another and counts connections and mails;
/// with `hangUpAfterEachMail` it closes the connection after each accepted mail, like a server whose idle
/// timeout ended a kept connection.
final class PipeliningSMTPServer: Sendable {
    struct Counts: Sendable, Equatable {
        var connections = 0
        var mails = 0
        /// Envelopes that came in the same read as the previous mail's end of data (announced behind it).
        var envelopesBehindEndOfData = 0
    }

    let port: Int
    private let listener: Int32
    private let counts = Mutex(Counts())

    init(hangUpAfterEachMail: Bool = false) throws {
        let (listener, port) = try TestSockets.loopbackListener()
        self.port = port
        self.listener = listener
        let thread = Thread { [self] in
            while true {
                let fd = accept(listener, nil, nil)
                guard fd >= 0 else { return }
                counts.withLock { $0.connections += 1 }
                serve(fd, hangUpAfterEachMail: hangUpAfterEachMail)
                close(fd)
            }
        }
        thread.name = "pipelining-smtp"
        thread.start()
    }

    deinit { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    var received: Counts { counts.withLock { $0 } }

    private func serve(_ fd: Int32, hangUpAfterEachMail: Bool) {
        func write(_ text: String) { let bytes = Array(text.utf8); _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        write("220 pipelining test server\r\n")
        var buffer: [UInt8] = []
        var envelope: [String] = []
        var inData = false
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { return }
            buffer.append(contentsOf: chunk[0..<count])
            var endOfDataInThisRead = false
            while true {
                if inData {
                    guard let end = buffer.firstRange(of: Array("\r\n.\r\n".utf8)) else { break }
                    buffer.removeSubrange(..<end.upperBound)
                    inData = false
                    counts.withLock { $0.mails += 1 }
                    write("250 2.0.0 queued\r\n")
                    if hangUpAfterEachMail { return }
                    endOfDataInThisRead = true
                    continue
                }
                guard let newline = buffer.firstRange(of: Array("\r\n".utf8)) else { break }
                let line = String(decoding: buffer[..<newline.lowerBound], as: UTF8.self).uppercased()
                buffer.removeSubrange(..<newline.upperBound)
                if line.hasPrefix("EHLO") {
                    write("250-localhost\r\n250-SIZE 1000000\r\n250 PIPELINING\r\n")
                } else if line.hasPrefix("MAIL") || line.hasPrefix("RCPT") {
                    if line.hasPrefix("MAIL"), endOfDataInThisRead { counts.withLock { $0.envelopesBehindEndOfData += 1 } }
                    envelope.append(line)  // answered together with DATA
                } else if line.hasPrefix("DATA") {
                    write(String(repeating: "250 2.1.0 ok\r\n", count: envelope.count) + "354 go ahead\r\n")
                    envelope.removeAll()
                    inData = true
                } else if line.hasPrefix("QUIT") {
                    write("221 bye\r\n")
                    return
                } else {
                    write("250 ok\r\n")
                }
            }
        }
    }
}
