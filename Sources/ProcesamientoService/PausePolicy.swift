import Foundation
import PedidosSupport

/// When a processing stage pauses a partition, and when it resumes it.
///
/// A pause exists to bound memory: a paused partition is not fetched, so records due far ahead wait in
/// the broker instead of in the worker. It has a price: after a resume, the broker takes a while to
/// deliver the first record again (measured here as ``ResumeLatencyEstimate``; hundreds of ms on the
/// embedded broker). A record that sat in the broker behind a pause is late when that latency exceeds the
/// time left before it is due. So:
///
/// - a partition is **never paused** while the records it will receive before its newest queued record is
///   due fit in memory (queued + arrival rate × wait < capacity), unless the wait is long
///   (≥ ``longWait``): a steady trickle at N = 1 s or 5 s keeps flowing and every record is in memory
///   before it is due;
/// - a wait shorter than twice the resume latency is never paused (the pause would save nothing and the
///   re-fetch could make the next record late);
/// - otherwise the partition is paused until its newest record is due minus the resume latency estimate
///   (pause-until-due, as the design asks for long N), so the records behind it arrive before they are due;
/// - a full queue (``capacity`` records) always pauses: that is the memory bound.
struct PausePolicy: Sendable, Equatable {
    /// Most records one partition may hold in memory.
    var capacity: Int
    /// Waits at least this long pause the partition even when memory would suffice.
    var longWait: Duration

    /// Whether a partition whose newest queued record is due at `newestDue` should be paused now.
    /// - Parameters:
    ///   - queued: records in the partition's queue, the newest included.
    ///   - arrivalRate: records per second recently arriving on the partition.
    ///   - resumeLatency: upper estimate of a resume's time to first record.
    func shouldPause(queued: Int, newestDue: Date, arrivalRate: Double, resumeLatency: Duration, now: Date) -> Bool {
        if queued >= capacity { return true }
        let wait = newestDue.timeIntervalSince(now)
        if wait <= 2 * resumeLatency.seconds { return false }
        if wait >= longWait.seconds { return true }
        let expected = Double(queued) + max(0, arrivalRate) * wait
        return expected >= Double(capacity)
    }

    /// When a partition paused with its newest record due at `newestDue` must be resumed so that the
    /// records behind it are fetched before they are due.
    func resumeAt(newestDue: Date, resumeLatency: Duration) -> Date {
        newestDue.addingTimeInterval(-resumeLatency.seconds)
    }
}

/// An upper estimate of the time from resuming a partition to its first record arriving, from recent
/// measurements: the largest of the last ``window`` samples times ``safety``, within
/// [``floor``, ``ceiling``]; ``prior`` until the first sample.
struct ResumeLatencyEstimate: Sendable, Equatable {
    var prior: Duration = .seconds(1)
    var floor: Duration = .milliseconds(200)
    var ceiling: Duration = .seconds(10)
    var safety: Double = 1.5
    var window = 32
    private(set) var samples: [Duration] = []
    private var next = 0

    init() {}

    mutating func record(_ sample: Duration) {
        if samples.count < window {
            samples.append(sample)
        } else {
            samples[next] = sample
            next = (next + 1) % window
        }
    }

    /// The latency to plan with.
    var value: Duration {
        guard let largest = samples.max() else { return prior }
        return min(ceiling, max(floor, largest * safety))
    }
}
