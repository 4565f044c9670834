import Foundation

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
    /// its newline is still being written and is skipped.
    func all() throws -> [StoredMail] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var records: [StoredMail] = []
        var lineStart = data.startIndex
        let decoder = JSONDecoder()
        for index in data.indices where data[index] == UInt8(ascii: "\n") {
            let line = data[lineStart..<index]
            lineStart = data.index(after: index)
            if line.isEmpty { continue }
            records.append(try decoder.decode(StoredMail.self, from: line))
        }
        return records
    }

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
