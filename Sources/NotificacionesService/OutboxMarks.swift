import Foundation
import PedidosDomain
import Metrics
import PedidosPostgres
import PedidosSupport
import Synchronization

/// The `sending` and `sent` marks of the outbox lanes, group-committed (``GroupCommitBatcher``): the
/// marks of every lane waiting at the same time share one statement — one transaction, one WAL flush —
/// instead of one commit per lane and mail.
///
/// A lane marks all the mails it took in one request (``MailOutboxWorker``), waits for the commit that
/// holds them before its first SMTP end of data, and learns which were marked (a row may no longer be its
/// own); the lanes share the commit. There is no deadline: a lane always learns the
/// real outcome of its mark (a late `sending` it did not wait for would overwrite the row's next state).
final class OutboxMarks: Sendable {
    /// One lane's marks: the mails it is about to hand over, and the mails the server accepted.
    final class Request: Sendable {
        let sending: [OutboxMail.Key]
        let sent: [OutboxMail.Accepted]
        private let markedKeys = Mutex<Set<OutboxMail.Key>>([])

        init(sending: [OutboxMail.Key], sent: [OutboxMail.Accepted]) {
            self.sending = sending
            self.sent = sent
        }

        /// The keys of `sending` the flush turned from `pending` into `sending`.
        var marked: Set<OutboxMail.Key> { markedKeys.withLock { $0 } }
        fileprivate func setMarked(_ all: Set<OutboxMail.Key>) {
            let own = sending.filter(all.contains)
            markedKeys.withLock { $0 = Set(own) }
        }
    }

    private let batcher: GroupCommitBatcher<Request>
    private let flushCount: FlushCount

    /// Mark statements run so far.
    var flushes: Int { flushCount.value.load(ordering: .relaxed) }

    private final class FlushCount: Sendable {
        let value = Atomic<Int>(0)
    }

    /// - Parameter maxConcurrentFlushes: mark statements in flight at the same time (pool connections used).
    init(pool: PostgresPool, maxConcurrentFlushes: Int) {
        let batchSize = Recorder(label: "notificaciones_outbox_mark_batch_size")
        let latency = Metrics.Timer(label: "notificaciones_outbox_mark_duration_seconds", preferredDisplayUnit: .seconds)
        let flushCount = FlushCount()
        self.flushCount = flushCount
        batcher = GroupCommitBatcher(maxBatchSize: 1000, maxConcurrentFlushes: maxConcurrentFlushes, deadline: nil) { requests in
            let started = ContinuousClock.now
            let rows = try await pool.query(Self.statement, Self.parameters(requests))
            var marked = Set<OutboxMail.Key>()
            for row in rows {
                if let estado = Estado(rawValue: try row.string("state")) {
                    marked.insert(OutboxMail.Key(orderID: try row.int64("order_id"), estado: estado))
                }
            }
            for request in requests where !request.sending.isEmpty { request.setMarked(marked) }
            flushCount.value.add(1, ordering: .relaxed)
            batchSize.record(requests.count)
            latency.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
        }
    }

    /// Commits `sending` (`pending` → `sending`, only while the claim's lease lasts) and `sent` with the
    /// marks of the other lanes waiting; returns the keys of `sending` that were marked.
    func mark(sending: [OutboxMail.Key], sent: [OutboxMail.Accepted]) async throws -> Set<OutboxMail.Key> {
        let request = Request(sending: sending, sent: sent)
        try await batcher.submit(request)
        return request.marked
    }

    /// One statement, one transaction: the data-modifying CTE records the accepted mails (rows no longer
    /// `pending` or `sending` are left alone), the main UPDATE hands over the rows still claimed. The two
    /// never touch the same row (a lane's accepted mails are not being handed over by anyone).
    ///
    /// Both conditions of the hand-over are written so that PostgreSQL finds each row by its primary key and
    /// checks them there, never through the partial index `email_outbox_due` (on `next_attempt_at`, for
    /// `status = 'pending'`), which during a drain holds every row of the backlog and every dead version:
    /// - "still claimed" is `next_attempt_at - now() > interval '0'`, not `next_attempt_at > now()`: in the
    ///   second form PostgreSQL combined the primary key with a scan of that index (`BitmapAnd`), reading
    ///   ~10 000 entries for every mail (docs/rendimiento.md §3);
    /// - "pending" is `status NOT IN (…every other status…)`, not `status = 'pending'` (the same rows, by the
    ///   table's CHECK): the second form matches the index's predicate, and once statistics had been
    ///   gathered on a table of sent mails (a few `pending`, as far as they said) PostgreSQL scanned the whole
    ///   index for every statement: 3.4–3.8 ms and ~600 pages per mark, 676–680 mails/s
    ///   (docs/resultados/outbox-historia-20261202/).
    static let statement = """
        WITH accepted AS (
            UPDATE email_outbox AS o
            SET status = 'sent', sent_at = a.sent_at, attempts = o.attempts + 1, last_error = NULL
            FROM unnest($3::bigint[], $4::text[], $5::timestamptz[]) AS a(order_id, state, sent_at)
            WHERE o.order_id = a.order_id AND o.state = a.state AND o.status IN ('pending', 'sending')
        )
        UPDATE email_outbox AS o SET status = 'sending'
        FROM unnest($1::bigint[], $2::text[]) AS m(order_id, state)
        WHERE o.order_id = m.order_id AND o.state = m.state
          AND o.status NOT IN ('sending', 'sent', 'failed', 'uncertain')
          AND o.next_attempt_at - now() > interval '0'
        RETURNING o.order_id, o.state
        """

    static func parameters(_ requests: [Request]) -> [PostgresValue] {
        let sending = requests.flatMap(\.sending)
        let sent = requests.flatMap(\.sent)
        return [PostgresArrayLiteral.integers(sending.map(\.orderID)),
                PostgresArrayLiteral.texts(sending.map(\.estado.rawValue)),
                PostgresArrayLiteral.integers(sent.map(\.key.orderID)),
                PostgresArrayLiteral.texts(sent.map(\.key.estado.rawValue)),
                PostgresArrayLiteral.timestamps(sent.map(\.acceptedAt))]
    }
}
