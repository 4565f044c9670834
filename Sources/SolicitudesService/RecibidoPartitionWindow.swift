import Synchronization

/// Chooses the `recibido` partition of a new order by time window instead of by key hash: every order
/// published within one window goes to the same partition, the next window's to the next one (round robin).
/// procesamiento then carries that partition number through every later state (``PedidoMessage``), so an
/// order still stays on one partition number in all four topics.
///
/// With one Produce request in flight (the embedded profile), a request carries every record queued while
/// the previous one waited. Keyed by id, those records spread over up to every partition: one batch per
/// partition, and on the embedded broker one stored object and one write each before the request is
/// acknowledged. Within one window they are a single batch (docs/rendimiento.md §7).
final class RecibidoPartitionWindow: Sendable {
    /// How long orders keep going to the same partition.
    let window: Duration
    /// Where window 0 starts.
    let origin: ContinuousClock.Instant
    private let count: Atomic<Int32>

    /// - Parameter partitions: the configured partition count of `recibido`, until ``use(partitions:)``
    ///   gives the one the broker reports.
    init(partitions: Int, window: Duration, origin: ContinuousClock.Instant = .now) {
        precondition(partitions > 0 && window > .zero)
        self.window = window
        self.origin = origin
        count = Atomic(Int32(partitions))
    }

    /// The partitions `recibido` has (a topic created by someone else may have another count than configured).
    var partitions: Int32 { count.load(ordering: .relaxed) }

    /// Takes the partition count the broker reports for `recibido`.
    func use(partitions: Int) {
        guard partitions > 0 else { return }
        count.store(Int32(partitions), ordering: .relaxed)
    }

    /// The partition for an order published at `instant`.
    func partition(at instant: ContinuousClock.Instant) -> Int32 {
        let windows = (origin.duration(to: instant) / window).rounded(.down)
        guard windows > 0 else { return 0 }
        return Int32(Int64(windows) % Int64(partitions))
    }
}
