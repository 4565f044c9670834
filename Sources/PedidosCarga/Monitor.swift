import Foundation
import Synchronization

/// Once a second: samples the consumer lag on procesamiento's `/metrics` (sum of every
/// `pedidos_consumer_lag` series) and redraws the progress line on stderr.
final class Monitor: Sendable {
    /// One sample: seconds from the run start and summed lag (nil when /metrics did not answer).
    struct Sample: Sendable { let second: Int; let lag: Int? }

    let label: String
    let metrics: HTTPEndpoint?
    let clock: RunClock
    let counters: LiveCounters
    let total: Int
    private let samples = Mutex<[Sample]>([])
    private let phase = Mutex("enviando")

    init(label: String, metrics: HTTPEndpoint?, clock: RunClock, counters: LiveCounters, total: Int) {
        self.label = label
        self.metrics = metrics
        self.clock = clock
        self.counters = counters
        self.total = total
    }

    var recorded: [Sample] { samples.withLock { $0 } }

    func enter(_ name: String) { phase.withLock { $0 = name } }

    /// Runs until cancelled.
    func run() async {
        var second = 0
        while !Task.isCancelled {
            second += 1
            try? await Task.sleep(until: clock.instant(Int64(second) * 1_000_000_000), clock: .continuous)
            if Task.isCancelled { break }
            var lag: Int?
            if let metrics { lag = await Self.lag(metrics) }
            samples.withLock { $0.append(Sample(second: second, lag: lag)) }
            counters.lag.store(lag ?? -1, ordering: .relaxed)
            draw(second: second)
        }
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(second: Int) {
        let lag = counters.lag.load(ordering: .relaxed)
        let line = String(
            format: "\r[%@ %@] t=%4ds enviados=%d/%d aceptados=%d errores=%d finalizados=%d correos=%d lag=%@   ",
            label, phase.withLock { $0 }, second, counters.sent.load(ordering: .relaxed), total,
            counters.accepted.load(ordering: .relaxed), counters.errors.load(ordering: .relaxed),
            counters.finalized.load(ordering: .relaxed), counters.mails.load(ordering: .relaxed),
            lag < 0 ? "?" : String(lag))
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Sum of the `pedidos_consumer_lag` gauges in a Prometheus text answer.
    static func lag(_ endpoint: HTTPEndpoint) async -> Int? {
        guard let answer = try? await HTTPConnection.once(endpoint, .GET, "/metrics"), answer.status == 200 else { return nil }
        var total = 0.0
        for line in String(decoding: answer.body, as: UTF8.self).split(separator: "\n") where line.hasPrefix("pedidos_consumer_lag{") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
        }
        return Int(total)
    }
}
