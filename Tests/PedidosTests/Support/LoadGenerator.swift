import Foundation
import Synchronization

/// Posts orders to a ``PipelineSystem`` at a fixed rate from a background task until ``stop()``.
///
/// Stopping uses a flag, not task cancellation: a cancelled request could have been accepted (202)
/// without the generator learning the id, and the test would then miss an order it must account for.
final class LoadGenerator: Sendable {
    private final class State: Sendable {
        let stopping = Atomic<Bool>(false)
        let accepted = Mutex<[Int64]>([])
    }

    private let state = State()
    private let task: Task<Void, any Error>

    /// - Parameters:
    ///   - interval: time between the starts of two requests (the schedule does not drift when one is slow).
    ///   - domain: recipient domain of every order, so the test can count its rows and mails.
    init(system: PipelineSystem, domain: String, interval: Duration) {
        let state = self.state
        task = Task {
            let clock = ContinuousClock()
            var next = clock.now
            var index = 0
            while !state.stopping.load(ordering: .acquiring) {
                let id = try await system.post(nombre: "Carga \(index)", precio: "\(index).25", correo: "c\(index)@\(domain)")
                state.accepted.withLock { $0.append(id) }
                index += 1
                next = next.advanced(by: interval)
                if next > clock.now { try await Task.sleep(until: next, clock: clock) }
            }
        }
    }

    /// Orders accepted so far.
    var count: Int { state.accepted.withLock { $0.count } }

    /// Stops after the request in progress and returns the ids of every accepted order
    /// (rethrows a failed request: the system refused an order).
    func stop() async throws -> [Int64] {
        state.stopping.store(true, ordering: .releasing)
        try await task.value
        return state.accepted.withLock { $0 }
    }
}
