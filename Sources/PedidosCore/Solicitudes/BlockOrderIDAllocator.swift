import Logging
import Metrics

/// Hands out ids from blocks reserved through an ``OrderIDBlockSource``, in increasing order.
///
/// Once half of the current block is used, the next block is reserved in the background, so at steady
/// state ``nextID()`` never waits on the source (one PostgreSQL round trip per block, off the hot path).
/// Only when both blocks are used up, at start-up or after the source failed for a whole block, does a
/// caller wait for the source; if it fails, that caller gets the error. After a failure the source is
/// left alone for `retryDelay` (callers that need a block meanwhile get the same error at once), so an
/// unreachable PostgreSQL is not hammered by every request.
/// Ids are unique because every block is; an unused rest of a block is simply skipped after a restart.
public actor BlockOrderIDAllocator<Source: OrderIDBlockSource>: OrderIDAllocator {
    /// Where blocks come from.
    public nonisolated let source: Source
    private let logger: Logger
    private let blocksReserved = Counter(label: "solicitudes_id_blocks_reserved_total")
    private let blockFailures = Counter(label: "solicitudes_id_block_failures_total")

    /// Ids not handed out yet from the block in use.
    private var current: Range<Int64> = 0..<0
    /// Size of the block in use (its refill threshold is half of it).
    private var currentSize: Int64 = 0
    /// The next block, already reserved.
    private var spare: Range<Int64>?
    /// The reservation in flight, if any (never more than one at a time).
    private var refill: Task<Void, any Error>?
    /// The last failed reservation: when, and why.
    private var lastFailure: (at: ContinuousClock.Instant, error: any Error)?
    private let retryDelay: Duration

    /// - Parameters:
    ///   - source: where blocks come from.
    ///   - retryDelay: how long to leave the source alone after a failed reservation.
    public init(source: Source, retryDelay: Duration = .milliseconds(500),
                logger: Logger = Logger(label: "pedidos.solicitudes.ids")) {
        self.source = source
        self.retryDelay = retryDelay
        self.logger = logger
    }

    public func nextID() async throws -> Int64 {
        while true {
            if current.isEmpty, let block = spare {
                current = block
                currentSize = Int64(block.count)
                spare = nil
            }
            if let id = current.popFirst() {
                if spare == nil, refill == nil, Int64(current.count) * 2 <= currentSize, !inBackoff { startRefill() }
                return id
            }
            // Nothing left: wait for the reservation in flight (or start one) and look again.
            if refill == nil, inBackoff, let lastFailure { throw lastFailure.error }
            try await (refill ?? startRefill()).value
        }
    }

    /// Reserves a block now unless one is ready, so the first order does not wait (used at start-up).
    public func prefetch() async throws {
        guard current.isEmpty, spare == nil else { return }
        try await (refill ?? startRefill()).value
    }

    /// Ids available without asking the source (the rest of the current block plus the spare block).
    public var available: Int64 { Int64(current.count) + Int64(spare?.count ?? 0) }

    /// Whether the last reservation failed less than `retryDelay` ago.
    private var inBackoff: Bool {
        guard let lastFailure else { return false }
        return ContinuousClock.now < lastFailure.at.advanced(by: retryDelay)
    }

    @discardableResult
    private func startRefill() -> Task<Void, any Error> {
        let task = Task { try await self.reserveBlock() }
        refill = task
        return task
    }

    private func reserveBlock() async throws {
        defer { refill = nil }
        do {
            let block = try await source.nextBlock()
            guard !block.isEmpty, block.lowerBound > 0 else {
                throw OrderIDAllocationError("the id source returned an unusable block \(block)")
            }
            spare = block
            lastFailure = nil
            blocksReserved.increment()
            logger.debug("reserved id block", metadata: ["first": "\(block.lowerBound)", "size": "\(block.count)"])
        } catch {
            lastFailure = (ContinuousClock.now, error)
            blockFailures.increment()
            logger.warning("could not reserve an id block", metadata: ["error": "\(error)"])
            throw error
        }
    }
}
