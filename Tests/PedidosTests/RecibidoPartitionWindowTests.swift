import Testing
@testable import SolicitudesService

@Suite("recibido partition by time window")
struct RecibidoPartitionWindowTests {
    let origin = ContinuousClock.now

    @Test("orders within one window share a partition; each next window takes the next partition, round robin")
    func roundRobin() {
        let window = RecibidoPartitionWindow(partitions: 3, window: .milliseconds(100), origin: origin)
        let at = { (milliseconds: Int) in window.partition(at: origin + .milliseconds(milliseconds)) }
        #expect([0, 1, 99].map(at) == [0, 0, 0])
        #expect([100, 150, 199].map(at) == [1, 1, 1])
        #expect([200, 300, 400, 500, 600].map(at) == [2, 0, 1, 2, 0])
    }

    @Test("every partition is used, none beyond the count, also far from the origin")
    func coversEveryPartition() {
        let window = RecibidoPartitionWindow(partitions: 6, window: .milliseconds(10), origin: origin)
        let hours = origin + .seconds(36 * 3600)
        let seen = Set((0..<60).map { window.partition(at: hours + .milliseconds(10 * $0)) })
        #expect(seen == Set(0..<6))
    }

    @Test("an instant before the origin (a clock read on another thread just before it) maps to partition 0")
    func beforeOrigin() {
        let window = RecibidoPartitionWindow(partitions: 4, window: .milliseconds(50), origin: origin)
        #expect(window.partition(at: origin - .milliseconds(1)) == 0)
    }
}
