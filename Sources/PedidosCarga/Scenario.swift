/// The two load shapes.
public enum Scenario: Sendable, CustomStringConvertible {
    /// Open loop: `rate` orders per second for `duration` seconds, each sent at its scheduled time
    /// whether or not earlier ones were answered.
    case sostenido(rate: Double, duration: Double)
    /// `count` orders released at the same instant.
    case rafaga(count: Int)

    public var description: String {
        switch self {
        case .sostenido: return "sostenido"
        case .rafaga: return "rafaga"
        }
    }

    /// How many orders the run sends.
    var total: Int {
        switch self {
        case .sostenido(let rate, let duration): return Int((rate * duration).rounded())
        case .rafaga(let count): return count
        }
    }

    /// Scheduled send time of order `index`, nanoseconds from the start.
    func scheduledNs(_ index: Int) -> Int64 {
        switch self {
        case .sostenido(let rate, _): return Int64((Double(index) * 1e9 / rate).rounded())
        case .rafaga: return 0
        }
    }
}
