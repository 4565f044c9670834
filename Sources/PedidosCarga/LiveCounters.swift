import Synchronization

/// Totals the progress line shows while the run goes on.
final class LiveCounters: Sendable {
    let sent = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let finalized = Atomic<Int>(0)
    let mails = Atomic<Int>(0)
    let lag = Atomic<Int>(-1)
}
