import Foundation
import PedidosDomain
import PedidosPostgres

/// ``MailOutboxRepository`` on the `email_outbox` table.
///
/// The claim is one statement: `SELECT … FOR UPDATE SKIP LOCKED` picks due rows no concurrent claimer is
/// taking, and the same statement pushes their `next_attempt_at` past the lease, so later claims (here or
/// in another replica) skip them too without holding a transaction open during the SMTP conversation.
/// The same statement deals with rows left `sending` past their lease (their sender died between the
/// `sending` commit and the server's answer): they are made due again, same Message-ID, while they have
/// been re-sent fewer than `uncertainResends` times, and become `uncertain` after that.
///
/// Why re-send by default: the customer waiting for "su pedido fue entregado" is better served by a
/// possible second copy — same Message-ID, which mail clients and many servers collapse into one — than
/// by no mail at all. `uncertainResends = 0` keeps the strict "never twice" behaviour instead.
///
/// The `sending` and `sent` marks of all lanes are group-committed (``OutboxMarks``): the lanes waiting
/// at the same time share one statement and one commit.
public struct PostgresMailOutboxRepository: MailOutboxRepository {
    let pool: PostgresPool
    /// Times an interrupted hand-over is sent again (the `resends` column counts them).
    public let uncertainResends: Int
    let marks: OutboxMarks

    /// Default of `uncertainResends` (and of `NOTIFICACIONES_CORREO_REENVIOS`).
    public static let defaultUncertainResends = 2

    /// Default of `maxConcurrentMarks`.
    public static let defaultMaxConcurrentMarks = 2

    /// - Parameters:
    ///   - uncertainResends: times a mail whose hand-over was interrupted after the end of data is sent
    ///     again with the same Message-ID before it is left `uncertain` (0: never re-sent).
    ///   - maxConcurrentMarks: group-committed mark statements in flight at the same time.
    public init(pool: PostgresPool, uncertainResends: Int = PostgresMailOutboxRepository.defaultUncertainResends,
                maxConcurrentMarks: Int = PostgresMailOutboxRepository.defaultMaxConcurrentMarks) {
        self.pool = pool
        self.uncertainResends = max(0, uncertainResends)
        self.marks = OutboxMarks(pool: pool, maxConcurrentFlushes: max(1, maxConcurrentMarks))
    }

    public func claimDue(limit: Int, lease: Duration) async throws -> [OutboxMail] {
        let rows = try await pool.query(
            """
            WITH abandoned AS (
                UPDATE email_outbox
                SET status = CASE WHEN resends < $3 THEN 'pending' ELSE 'uncertain' END,
                    resends = CASE WHEN resends < $3 THEN resends + 1 ELSE resends END,
                    next_attempt_at = now(),
                    last_error = 'the sender stopped between the end of data and the server''s answer'
                WHERE status = 'sending' AND next_attempt_at <= now()
            ),
            due AS (
                SELECT order_id, state FROM email_outbox
                WHERE status = 'pending' AND next_attempt_at <= now()
                ORDER BY next_attempt_at
                LIMIT $1
                FOR UPDATE SKIP LOCKED
            )
            UPDATE email_outbox AS o
            SET next_attempt_at = now() + $2 * interval '1 millisecond'
            FROM due
            WHERE o.order_id = due.order_id AND o.state = due.state
            RETURNING o.order_id, o.state, o.recipient, o.subject, o.body, o.message_id, o.attempts,
                      o.next_attempt_at::text AS lease_end
            """,
            [.int(limit), .double(Self.milliseconds(lease)), .int(uncertainResends)])
        return try rows.map { row in
            let state = try row.string("state")
            guard let estado = Estado(rawValue: state) else {
                throw PostgresError(.decoding, "unknown outbox state '\(state)'")
            }
            return OutboxMail(
                key: OutboxMail.Key(orderID: try row.int64("order_id"), estado: estado),
                recipient: try row.string("recipient"), subject: try row.string("subject"), body: try row.string("body"),
                messageID: try row.string("message_id"), attempts: try row.int("attempts"),
                leaseEnd: try row.string("lease_end"))
        }
    }

    public func markSent(_ accepted: [OutboxMail.Accepted]) async throws {
        guard !accepted.isEmpty else { return }
        _ = try await marks.mark(sending: [], sent: accepted)
    }

    public func markRetry(_ key: OutboxMail.Key, error: String, after: Duration) async throws {
        try await pool.execute(
            """
            UPDATE email_outbox
            SET status = 'pending', attempts = attempts + 1, last_error = $3,
                next_attempt_at = now() + $4 * interval '1 millisecond'
            WHERE order_id = $1 AND state = $2 AND status IN ('pending', 'sending')
            """,
            [.int64(key.orderID), .string(key.estado.rawValue), .string(Self.sanitized(error)), .double(Self.milliseconds(after))])
    }

    public func markFailed(_ key: OutboxMail.Key, error: String) async throws {
        try await pool.execute(
            """
            UPDATE email_outbox SET status = 'failed', attempts = attempts + 1, last_error = $3
            WHERE order_id = $1 AND state = $2 AND status IN ('pending', 'sending')
            """,
            [.int64(key.orderID), .string(key.estado.rawValue), .string(Self.sanitized(error))])
    }

    public func markSending(_ keys: [OutboxMail.Key], recordingSent accepted: [OutboxMail.Accepted]) async throws -> Set<OutboxMail.Key> {
        try await marks.mark(sending: keys, sent: accepted)
    }

    /// `sending` → `pending` (due `after` from now, one more re-send) while the mail was re-sent fewer than
    /// `uncertainResends` times, else `uncertain`.
    public func markUncertain(_ key: OutboxMail.Key, error: String, after: Duration) async throws {
        try await pool.execute(
            """
            UPDATE email_outbox
            SET status = CASE WHEN resends < $4 THEN 'pending' ELSE 'uncertain' END,
                resends = CASE WHEN resends < $4 THEN resends + 1 ELSE resends END,
                next_attempt_at = now() + $5 * interval '1 millisecond',
                attempts = attempts + 1, last_error = $3
            WHERE order_id = $1 AND state = $2 AND status = 'sending'
            """,
            [.int64(key.orderID), .string(key.estado.rawValue), .string(Self.sanitized(error)), .int(uncertainResends),
             .double(Self.milliseconds(after))])
    }

    /// One statement: `pending` or `sending` → `pending`, due `after` from now, for the rows whose
    /// `next_attempt_at` is still the lease end their claim wrote (a row claimed again since has another).
    public func release(_ mails: [OutboxMail], after: Duration) async throws {
        guard !mails.isEmpty else { return }
        try await pool.execute(
            """
            UPDATE email_outbox AS o
            SET status = 'pending', next_attempt_at = now() + $1 * interval '1 millisecond'
            FROM unnest($2::bigint[], $3::text[], $4::timestamptz[]) AS r(order_id, state, lease_end)
            WHERE o.order_id = r.order_id AND o.state = r.state AND o.status IN ('pending', 'sending')
              AND o.next_attempt_at = r.lease_end
            """,
            [.double(Self.milliseconds(after)), PostgresArrayLiteral.integers(mails.map(\.key.orderID)),
             PostgresArrayLiteral.texts(mails.map(\.key.estado.rawValue)), PostgresArrayLiteral.texts(mails.map(\.leaseEnd))])
    }

    /// Two counts, each over its partial index (`email_outbox_due`, `email_outbox_sending`), never a scan of
    /// the table: with 320 000 mails kept, `status IN ('pending', 'sending')` took 128 ms a call.
    public func pendingCount() async throws -> Int {
        try await pool.query("""
            SELECT (SELECT count(*) FROM email_outbox WHERE status = 'pending')
                 + (SELECT count(*) FROM email_outbox WHERE status = 'sending') AS pending
            """)[0].int("pending")
    }

    static func milliseconds(_ duration: Duration) -> Double {
        let components = duration.components
        return Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }

    /// Error text for `last_error`: no NUL (PostgreSQL text cannot hold it), bounded length.
    static func sanitized(_ text: String) -> String {
        String(text.replacingOccurrences(of: "\u{0}", with: "").prefix(1000))
    }
}
