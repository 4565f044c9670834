import Foundation
import Logging
import PedidosDomain
import PedidosServiceKit

/// What makes an order accepted: its record on `recibido` acknowledged by the broker **and** its row in
/// the ``AcceptedOrderJournal`` (PostgreSQL) committed. Only then is the answer `202`.
///
/// - Normally both writes run at the same time, so the answer waits for the slower one, not their sum.
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

    /// Publishes and records `pedido`; throws a `503` ``ProblemDetails`` unless both succeeded.
    func accept(_ pedido: Pedido, at acceptedAt: Date) async throws {
        guard let journal else { return try await publish(pedido, at: acceptedAt) }
        if !journal.isHealthy {
            try await record(pedido, at: acceptedAt, in: journal)
            do { try await publish(pedido, at: acceptedAt) } catch {
                await journal.discard(pedido.id)
                throw error
            }
            return
        }
        async let recorded: Result<Void, ProblemDetails> = capture { try await record(pedido, at: acceptedAt, in: journal) }
        let published: Result<Void, ProblemDetails> = await capture { try await publish(pedido, at: acceptedAt) }
        let journalResult = await recorded
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

    private func record(_ pedido: Pedido, at acceptedAt: Date, in journal: any AcceptedOrderJournal) async throws {
        do {
            try await journal.record(pedido, acceptedAt: acceptedAt)
        } catch {
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
