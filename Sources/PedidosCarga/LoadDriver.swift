import Foundation
import NIOHTTP1

/// Sends the run's orders to `POST /pedidos` over a pool of keep-alive connections, on the scenario's
/// schedule: a scheduler enqueues each order at its due time and whichever connection is free sends it;
/// latency counts from the due time, so a slow server cannot slow the schedule down (no coordinated
/// omission), it only makes the queue and the measured latency grow.
struct LoadDriver: Sendable {
    let scenario: Scenario
    let dataset: PedidoDataset
    let endpoint: HTTPEndpoint
    let connections: Int
    let clock: RunClock
    let counters: LiveCounters

    /// Runs the whole schedule and returns every request's record, in index order.
    func run() async -> [RequestRecord] {
        let queue = JobQueue<RequestRecord>()
        let path = endpoint.basePath + "/pedidos"
        return await withTaskGroup(of: [RequestRecord].self) { group in
            for _ in 0..<max(1, connections) {
                group.addTask { await worker(queue: queue, path: path) }
            }
            group.addTask {
                await schedule(into: queue)
                return []
            }
            var records: [RequestRecord] = []
            for await part in group { records += part }
            return records.sorted { $0.index < $1.index }
        }
    }

    private func schedule(into queue: JobQueue<RequestRecord>) async {
        for index in 0..<scenario.total {
            let due = scenario.scheduledNs(index)
            if due > clock.now() { try? await Task.sleep(until: clock.instant(due), tolerance: .microseconds(100), clock: .continuous) }
            queue.push(RequestRecord(index: index, scheduledNs: due))
        }
        queue.finish()
    }

    /// One connection: sends queued orders one at a time; reconnects after a failure.
    private func worker(queue: JobQueue<RequestRecord>, path: String) async -> [RequestRecord] {
        var done: [RequestRecord] = []
        var drained = false
        while !drained {
            var connected = false
            do {
                try await HTTPConnection.run(endpoint) { sender in
                    connected = true
                    while let job = await queue.pop() {
                        var record = job
                        record.sentNs = clock.now()
                        counters.sent.add(1, ordering: .relaxed)
                        do {
                            let answer = try await sender.send(.POST, path, body: dataset.row(job.index).body)
                            record.doneNs = clock.now()
                            record.status = answer.status
                            if answer.status == 202 { record.orderID = Self.orderID(in: answer.body) }
                        } catch {
                            record.doneNs = clock.now()
                            done.append(record)
                            counters.errors.add(1, ordering: .relaxed)
                            throw error
                        }
                        done.append(record)
                        if record.accepted { counters.accepted.add(1, ordering: .relaxed) } else { counters.errors.add(1, ordering: .relaxed) }
                    }
                    drained = true
                }
            } catch {
                // A lost connection failed its order above: reconnect. A refused one fails the next
                // queued order, so that an unreachable server cannot stall the run.
                if connected { continue }
                try? await Task.sleep(for: .milliseconds(50))
                if let job = await queue.pop() {
                    var record = job
                    record.sentNs = clock.now(); record.doneNs = record.sentNs
                    counters.errors.add(1, ordering: .relaxed)
                    done.append(record)
                } else { drained = true }
            }
        }
        return done
    }

    /// The `"id"` of a `202` body (`{"id":123,...}`), without a full JSON parse.
    static func orderID(in body: [UInt8]) -> Int64? {
        let key = Array("\"id\":".utf8)
        guard body.count > key.count else { return nil }
        for start in 0...(body.count - key.count) where body[start..<start + key.count].elementsEqual(key) {
            var value: Int64 = 0
            var index = start + key.count
            while index < body.count, body[index] == UInt8(ascii: " ") { index += 1 }
            let first = index
            while index < body.count, body[index] >= 48, body[index] <= 57 {
                value = value * 10 + Int64(body[index] - 48); index += 1
            }
            return index > first ? value : nil
        }
        return nil
    }
}
