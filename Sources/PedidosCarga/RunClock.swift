import Foundation

/// The run's time origin: a monotonic instant for measuring and the wall-clock time it corresponds to,
/// so that the system's own timestamps (Kafka record times, epoch milliseconds) can be compared.
struct RunClock: Sendable {
    let start = ContinuousClock.now
    let wallStartMs = Date().timeIntervalSince1970 * 1000

    /// Nanoseconds since the start.
    func now() -> Int64 { Self.nanoseconds(ContinuousClock.now - start) }

    /// The monotonic instant `ns` nanoseconds after the start.
    func instant(_ ns: Int64) -> ContinuousClock.Instant { start + .nanoseconds(ns) }

    /// Epoch milliseconds of an offset.
    func wallMs(_ ns: Int64) -> Double { wallStartMs + Double(ns) / 1e6 }

    /// Offset in milliseconds (from the start) of an epoch-millisecond time.
    func offsetMs(wallMs: Double) -> Double { wallMs - wallStartMs }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
