import Foundation
import PedidosDomain

/// The transactional outbox of notification mails, as the sending worker sees it.
///
/// Rows are claimed with a lease: a claimed row is invisible to every other claimer (this process or
/// another replica) until the lease ends or the row is marked or released.
///
/// Statuses: `pending` → (claimed) → `sending` (``markSending(_:recordingSent:)``, committed before the SMTP
/// end of data) → `sent`, or back to `pending` (transient refusal), or `failed` (permanent refusal). A row still
/// `sending` when its lease ends (its sender died, or lost PostgreSQL, after the end of data) is made due
/// again by the next claim — sent once more with the same Message-ID — up to the repository's limit of
/// re-sends, and turned `uncertain` after that (never sent again: at most that one mail may be missing).
public protocol MailOutboxRepository: Sendable {
    /// Claims up to `limit` pending rows whose next attempt is due, oldest first, for `lease`.
    func claimDue(limit: Int, lease: Duration) async throws -> [OutboxMail]

    /// The mails are about to be handed over for good (their SMTP transfers come next, one after the other):
    /// `pending` → `sending` for those still claimed, committed before this returns. In the same transaction,
    /// the mails of `accepted` become `sent` (as ``markSent(_:)``), so a lane records the previous mails'
    /// outcome in the round trip it needs anyway. Returns the keys marked; a key missing from it is no
    /// longer this claimer's (not pending, or its lease is over), and its transfer must not start (or must
    /// be aborted before the end of data). `accepted` is recorded whenever this returns; when it throws,
    /// nothing is.
    func markSending(_ keys: [OutboxMail.Key], recordingSent accepted: [OutboxMail.Accepted]) async throws -> Set<OutboxMail.Key>

    /// The connection broke after the end of data, before the server's answer: `sending` → `pending` again
    /// (due `after` from now, same Message-ID) within the repository's limit of re-sends, else `uncertain`.
    func markUncertain(_ key: OutboxMail.Key, error: String, after: Duration) async throws

    /// The SMTP server accepted these mails: status `sent`, `sent_at` (each its own), one more attempt; one
    /// statement for all of them. Rows no longer `pending` or `sending` (e.g. turned `uncertain` after
    /// their lease) are left as they are, so recording the same mail twice changes nothing.
    func markSent(_ accepted: [OutboxMail.Accepted]) async throws

    /// A transient failure: one more attempt, `last_error`, and the next attempt `after` from now.
    func markRetry(_ key: OutboxMail.Key, error: String, after: Duration) async throws

    /// A permanent failure: status `failed`, one more attempt, `last_error`.
    func markFailed(_ key: OutboxMail.Key, error: String) async throws

    /// Gives claimed mails back without counting an attempt; they are due again `after` from now. A mail
    /// marked `sending` whose transfer never started is made `pending` again. Only rows still under the
    /// mail's own claim (``OutboxMail/leaseEnd``) change, so a row that another claimer took after the
    /// lease ended is never touched.
    func release(_ mails: [OutboxMail], after: Duration) async throws

    /// Rows still to be sent (`pending`, due or not, and `sending`).
    func pendingCount() async throws -> Int
}

extension MailOutboxRepository {
    /// ``markSending(_:recordingSent:)`` for one mail: whether it was marked.
    public func markSending(_ key: OutboxMail.Key, recordingSent accepted: [OutboxMail.Accepted] = []) async throws -> Bool {
        try await markSending([key], recordingSent: accepted).contains(key)
    }

    /// ``markSent(_:)`` for one mail.
    public func markSent(_ key: OutboxMail.Key, at acceptedAt: Date) async throws {
        try await markSent([OutboxMail.Accepted(key: key, at: acceptedAt)])
    }
}

/// One claimed outbox row: a complete mail.
public struct OutboxMail: Sendable, Hashable {
    /// Identifies a row: one mail per order and state.
    public struct Key: Sendable, Hashable, CustomStringConvertible {
        public let orderID: Int64
        public let estado: Estado
        public init(orderID: Int64, estado: Estado) {
            self.orderID = orderID
            self.estado = estado
        }
        public var description: String { "\(orderID)/\(estado.rawValue)" }
    }

    /// A mail the SMTP server accepted (its `250` to the end of data) at `acceptedAt`, to be marked `sent`.
    public struct Accepted: Sendable, Hashable {
        public let key: Key
        public let acceptedAt: Date
        public init(key: Key, at acceptedAt: Date) {
            self.key = key
            self.acceptedAt = acceptedAt
        }
    }

    public let key: Key
    public let recipient: String
    public let subject: String
    public let body: String
    /// With angle brackets, e.g. `<pedido-12-preparando@pedidos.test>`.
    public let messageID: String
    /// Attempts made before this claim.
    public let attempts: Int
    /// When this claim's lease ends, as PostgreSQL wrote it (`next_attempt_at`): it identifies the claim, so
    /// ``MailOutboxRepository/release(_:after:)`` leaves alone a row that someone else claimed since.
    public let leaseEnd: String

    public init(key: Key, recipient: String, subject: String, body: String, messageID: String, attempts: Int,
                leaseEnd: String) {
        self.key = key
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.attempts = attempts
        self.leaseEnd = leaseEnd
    }
}
