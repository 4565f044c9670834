import Logging
import Metrics
import Synchronization

/// Hands out ids from blocks reserved through an ``PedidoIDBlockSource``, in increasing order.
///
/// Once half of the current block is used, the next block is reserved in the background, so at steady
/// state ``nextID()`` never waits on the source (one PostgreSQL round trip per block, off the hot path).
/// Only when both blocks are used up, at start-up or after the source failed for a whole block, does a
/// caller wait for the source; if it fails, that caller gets the error. After a failure the source is
/// left alone for `retryDelay` (callers that need a block meanwhile get the same error at once), so an
/// unreachable PostgreSQL is not hammered by every request.
/// Ids are unique because every block is; an unused rest of a block is simply skipped after a restart.
///
/// The common case, an id from the current block, takes a lock and returns without suspending (no actor
/// hop on every request); only a caller that finds both blocks used up awaits the reservation in flight.
public final class BlockPedidoIDAllocator<Source: PedidoIDBlockSource>: PedidoIDAllocator {
    /// Where blocks come from.
    public let source: Source
    private let logger: Logger
    private let blocksReserved = Counter(label: "solicitudes_id_blocks_reserved_total")
    private let blockFailures = Counter(label: "solicitudes_id_block_failures_total")
    private let retryDelay: Duration

    private struct State {
        /// Ids not handed out yet from the block in use.
        var current: Range<Int64> = 0..<0
        /// Size of the block in use (its refill threshold is half of it).
        var currentSize: Int64 = 0
        /// The next block, already reserved.
        var spare: Range<Int64>?
        /// The reservation in flight, if any (never more than one at a time).
        var refill: Task<Void, any Error>?
        /// The last failed reservation: when, and why.
        var lastFailure: (at: ContinuousClock.Instant, error: any Error)?
    }

    private let state = Mutex(State())

    /// - Parameters:
    ///   - source: where blocks come from.
    ///   - retryDelay: how long to leave the source alone after a failed reservation.
    public init(source: Source, retryDelay: Duration = .milliseconds(500),
                logger: Logger = Logger(label: "pedidos.solicitudes.ids")) {
        self.source = source
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// What a caller does after looking at the state.
    private enum Step {
        case id(Int64)
        case fail(any Error)
        case wait(Task<Void, any Error>)
    }

    public func nextID() async throws -> Int64 {
        while true {
            let step = state.withLock { state -> Step in
                if state.current.isEmpty, let block = state.spare {
                    state.current = block
                    state.currentSize = Int64(block.count)
                    state.spare = nil
                }
                let inBackoff = isInBackoff(state)
                if let id = state.current.popFirst() {
                    if state.spare == nil, state.refill == nil, Int64(state.current.count) * 2 <= state.currentSize, !inBackoff {
                        _ = startRefill(&state)
                    }
                    return .id(id)
                }
                // Nothing left: wait for the reservation in flight (or start one) and look again.
                if state.refill == nil, inBackoff, let lastFailure = state.lastFailure { return .fail(lastFailure.error) }
                return .wait(state.refill ?? startRefill(&state))
            }
            switch step {
            case .id(let id): return id
            case .fail(let error): throw error
            case .wait(let task): try await task.value
            }
        }
    }

    /// Reserves a block now unless one is ready, so the first order does not wait (used at start-up).
    public func prefetch() async throws {
        let task = state.withLock { state -> Task<Void, any Error>? in
            guard state.current.isEmpty, state.spare == nil else { return nil }
            return state.refill ?? startRefill(&state)
        }
        try await task?.value
    }

    /// Ids available without asking the source (the rest of the current block plus the spare block).
    public var available: Int64 { state.withLock { Int64($0.current.count) + Int64($0.spare?.count ?? 0) } }

    /// Whether the last reservation failed less than `retryDelay` ago.
    private func isInBackoff(_ state: State) -> Bool {
        guard let lastFailure = state.lastFailure else { return false }
        return ContinuousClock.now < lastFailure.at.advanced(by: retryDelay)
    }

    private func startRefill(_ state: inout State) -> Task<Void, any Error> {
        let task = Task { try await self.reserveBlock() }
        state.refill = task
        return task
    }

    private func reserveBlock() async throws {
        do {
            let block = try await source.nextBlock()
            guard !block.isEmpty, block.lowerBound > 0 else {
                throw PedidoIDAllocationError("the id source returned an unusable block \(block)")
            }
            state.withLock { state in
                state.spare = block
                state.lastFailure = nil
                state.refill = nil
            }
            blocksReserved.increment()
            logger.debug("reserved id block", metadata: ["first": "\(block.lowerBound)", "size": "\(block.count)"])
        } catch {
            state.withLock { state in
                state.lastFailure = (ContinuousClock.now, error)
                state.refill = nil
            }
            blockFailures.increment()
            logger.warning("could not reserve an id block", metadata: ["error": "\(error)"])
            throw error
        }
    }
}
