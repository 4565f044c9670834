import Foundation
import Logging
import Metrics
import PedidosDomain
import PedidosServiceKit
import PedidosSupport

/// What makes an order accepted: its record on `recibido` acknowledged by the broker **and** its row in
/// the ``AcceptedOrderJournal`` (PostgreSQL) committed. Only then is the answer `202`.
///
/// - Normally both writes run at the same time, so the answer waits for the slower one, not their sum: the
///   journal row is queued first (``AcceptedOrderJournal/record(_:acceptedAt:)`` returns at once), the
///   record published, and then the row awaited, all in the request's own task.
/// - While the journal is failing (``AcceptedOrderJournal/isHealthy`` false: PostgreSQL down or too slow),
///   the journal is written first and the record published only after it succeeded: an unreachable
///   database then costs a `503` and publishes nothing, so a client retrying does not leave behind orders
///   it was told were refused. Only the requests in flight at the moment the database fails can be
///   published and still answered `503` (as when the broker's acknowledgement is late).
/// - When the publication fails after the journal row was written, the row is discarded (best effort), so
///   the reconciler does not revive an order whose client was told to retry.
struct OrderAcceptance: Sendable {
    let publisher: any PedidoPublisher
    let journal: (any AcceptedOrderJournal)?
    let logger: Logger
    /// Orders answered `503` because their journal row could not be written.
    private let journalFailures = Counter(label: "solicitudes_journal_failures_total")

    init(publisher: any PedidoPublisher, journal: (any AcceptedOrderJournal)?, logger: Logger) {
        self.publisher = publisher
        self.journal = journal
        self.logger = logger
    }

    /// Publishes and records `pedido`; throws a `503` ``ProblemDetails`` unless both succeeded.
    func accept(_ pedido: Pedido, at acceptedAt: Date) async throws {
        guard let journal else { return try await publish(pedido, at: acceptedAt) }
        if !journal.isHealthy {
            try await stored(journal.record(pedido, acceptedAt: acceptedAt), pedido)
            do { try await publish(pedido, at: acceptedAt) } catch {
                await journal.discard(pedido.id)
                throw error
            }
            return
        }
        let row = journal.record(pedido, acceptedAt: acceptedAt)
        let published: Result<Void, ProblemDetails> = await capture { try await publish(pedido, at: acceptedAt) }
        let journalResult: Result<Void, ProblemDetails> = await capture { try await stored(row, pedido) }
        if case .failure(let problem) = published {
            if case .success = journalResult { await journal.discard(pedido.id) }
            throw problem
        }
        if case .failure(let problem) = journalResult { throw problem }
    }

    private func publish(_ pedido: Pedido, at acceptedAt: Date) async throws {
        do {
            try await publisher.publish(pedido, enteredAt: acceptedAt)
        } catch let violation as PedidoSchemaViolation {
            // Validation let through an order the Kafka contract refuses: a bug, not the client's fault nor
            // something a retry fixes. Nothing was published.
            logger.error("order refused by the Kafka schema", metadata: ["id": "\(pedido.id)", "error": "\(violation)"])
            throw SolicitudesProblems.contractViolation()
        } catch {
            logger.error("order not acknowledged by the broker", metadata: ["id": "\(pedido.id)", "error": "\(error)"])
            throw SolicitudesProblems.brokerUnavailable()
        }
    }

    /// Waits for `pedido`'s journal row.
    private func stored(_ row: WriteTicket, _ pedido: Pedido) async throws {
        do {
            try await row.wait()
        } catch {
            journalFailures.increment()
            logger.error("order not recorded in PostgreSQL", metadata: ["id": "\(pedido.id)", "error": "\(error)"])
            throw SolicitudesProblems.journalUnavailable()
        }
    }

    private func capture(_ body: () async throws -> Void) async -> Result<Void, ProblemDetails> {
        do { try await body(); return .success(()) } catch let problem as ProblemDetails { return .failure(problem) } catch {
            return .failure(SolicitudesProblems.brokerUnavailable())
        }
    }
}
