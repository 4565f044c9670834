import Foundation
import Synchronization

/// One message as recorded by `scripts/smtp_server.py` (one JSON object per line of the store).
struct StoredMail: Decodable, Sendable {
    let receivedAt: String
    let mailFrom: String
    let rcptTos: [String]
    /// Header values as Python's `email` package decodes them (RFC 2047 words already decoded).
    let headers: [String: String]
    /// The decoded subject.
    let subject: String
    /// The decoded text body.
    let body: String
    /// Whether the session ran over TLS (STARTTLS).
    let tls: Bool
    /// Whether the client authenticated.
    let authenticated: Bool
    /// The message exactly as received (DATA content).
    let raw: String

    enum CodingKeys: String, CodingKey {
        case receivedAt = "received_at", mailFrom = "mail_from", rcptTos = "rcpt_tos"
        case headers, subject, body, tls, authenticated, raw
    }

    /// A header value by case-insensitive name.
    func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The raw header block, split into its physical lines (without CRLF).
    var rawHeaderLines: [String] {
        let head = raw.components(separatedBy: "\r\n\r\n").first ?? raw
        return head.components(separatedBy: "\r\n")
    }
}

/// Reads the JSON-lines store that the development SMTP server appends to. Tests share one store and
/// run in parallel, so they filter by a recipient unique to the test.
struct MailStore: Sendable {
    let path: String

    init(path: String) { self.path = path }

    /// The store of the server `scripts/infra.sh up smtp` started (`SMTP_STORE`).
    static func shared() throws -> MailStore { MailStore(path: try TestEnvironment.smtpStore()) }

    /// Every complete record in the store (none when the file does not exist yet). A last line without
    /// its newline is still being written and is skipped. Reads only what was appended since the last
    /// call (the store grows to tens of megabytes over a test run), starting over if the file shrank.
    func all() throws -> [StoredMail] { try MailStoreReader.reader(for: path).records() }

    /// Records whose envelope recipients include `recipient` (case-insensitive).
    func messages(to recipient: String) throws -> [StoredMail] {
        try all().filter { record in
            record.rcptTos.contains { $0.caseInsensitiveCompare(recipient) == .orderedSame }
        }
    }

    /// Waits until at least `count` messages for `recipient` are stored and returns them.
    func waitForMessages(to recipient: String, count: Int = 1, timeout: Duration = .seconds(20)) async throws -> [StoredMail] {
        var found: [StoredMail] = []
        try await waitUntil("\(count) message(s) to \(recipient) in \(path)", timeout: timeout) {
            found = try messages(to: recipient)
            return found.count >= count
        }
        return found
    }
}

/// The incremental reader behind ``MailStore/all()``: one per store path, shared by every test.
final class MailStoreReader: Sendable {
    private struct State {
        var offset: UInt64 = 0
        var records: [StoredMail] = []
    }

    private static let readers = Mutex<[String: MailStoreReader]>([:])
    private let path: String
    private let state = Mutex(State())

    private init(path: String) { self.path = path }

    static func reader(for path: String) -> MailStoreReader {
        readers.withLock { readers in
            if let reader = readers[path] { return reader }
            let reader = MailStoreReader(path: path)
            readers[path] = reader
            return reader
        }
    }

    func records() throws -> [StoredMail] {
        try state.withLock { state in
            guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
            defer { try? handle.close() }
            let size = try handle.seekToEnd()
            if size < state.offset { state = State() }  // rotated or truncated: start over
            try handle.seek(toOffset: state.offset)
            let data = try handle.readToEnd() ?? Data()
            let decoder = JSONDecoder()
            var lineStart = data.startIndex
            for index in data.indices where data[index] == UInt8(ascii: "\n") {
                let line = data[lineStart..<index]
                lineStart = data.index(after: index)
                if !line.isEmpty { state.records.append(try decoder.decode(StoredMail.self, from: line)) }
            }
            // Only complete lines are consumed; a partial last line is read again next time.
            state.offset += UInt64(lineStart - data.startIndex)
            return state.records
        }
    }
}
