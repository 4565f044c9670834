import Foundation

/// Nearest-rank percentiles over exact samples (lateness and end-to-end times: few enough to keep).
struct Percentiles {
    let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    func at(_ percentile: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((percentile / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// `{"n","min","p50","p90","p99","p99_9","max"}` in milliseconds, rounded to 0.001.
    var json: [String: Any] {
        var out: [String: Any] = ["n": sorted.count]
        guard let first = sorted.first, let last = sorted.last else { return out }
        out["min"] = round3(first)
        out["max"] = round3(last)
        out["media"] = round3(sorted.reduce(0, +) / Double(sorted.count))
        for (key, p) in [("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99_9", 99.9)] { out[key] = round3(at(p)!) }
        return out
    }
}

func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
