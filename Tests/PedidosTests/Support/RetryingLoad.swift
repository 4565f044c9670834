import Foundation
import Synchronization

/// Posts orders to a ``PipelineSystem`` at a fixed rate (open loop: each order is a task of its own, so a
/// slow answer does not slow the schedule) as a well-behaved client: a `503` is retried after the seconds
/// its `Retry-After` says, a connection failure after one second, until the order gets its `202`.
/// ``stop()`` stops starting orders and waits for those still retrying.
///
/// Each attempt has its own recipient (`h<order>a<attempt>@domain`): a `503` says the order was not
/// accepted, but a record whose acknowledgement came too late may still exist; such an order then shows
/// up under its own address instead of doubling the mails of the accepted one (see
/// ``PipelineChecks/expectComplete(_:timeout:inFlightMailsMayBeUncertain:refusedOrdersMayExist:)``).
final class RetryingLoad: Sendable {
    private final class State: Sendable {
        let stopping = Atomic<Bool>(false)
        let accepted = Mutex<[Int64]>([])
        let started = Atomic<Int>(0)
        let unavailable = Atomic<Int>(0)
        let requests = Mutex<[Task<Void, Never>]>([])
    }

    private let state = State()
    private let task: Task<Void, Never>

    /// - Parameters:
    ///   - interval: time between the starts of two orders.
    ///   - domain: recipient domain of every order.
    ///   - giveUpAfter: how long one order keeps retrying before the client gives up on it.
    init(system: PipelineSystem, domain: String, interval: Duration, giveUpAfter: Duration = .seconds(120)) {
        let state = self.state
        task = Task {
            let clock = ContinuousClock()
            var next = clock.now
            var index = 0
            while !state.stopping.load(ordering: .acquiring) {
                let order = index
                state.started.add(1, ordering: .relaxed)
                let request = Task {
                    let deadline = clock.now + giveUpAfter
                    var attempt = 0
                    while clock.now < deadline {
                        attempt += 1
                        let body = #"{"nombre":"Curación \#(order)","precio":\#(order).250,"correo":"h\#(order)a\#(attempt)@\#(domain)"}"#
                        var pause = Duration.seconds(1)
                        if let result = try? await system.request("POST", port: system.solicitudesPort, path: "/pedidos",
                                                                  body: body, timeout: 10) {
                            if result.status == 202, case .number(let text)? = result.json?["id"], let id = Int64(text) {
                                state.accepted.withLock { $0.append(id) }
                                return
                            }
                            if result.status == 503 {
                                state.unavailable.add(1, ordering: .relaxed)
                                pause = .seconds(Int(result.headers["retry-after"] ?? "") ?? 1)
                            }
                        }
                        try? await Task.sleep(for: pause)
                    }
                }
                state.requests.withLock { $0.append(request) }
                index += 1
                next = next.advanced(by: interval)
                if next > clock.now { try? await Task.sleep(until: next, clock: clock) }
            }
        }
    }

    /// Orders answered `202` so far.
    var acceptedCount: Int { state.accepted.withLock { $0.count } }
    /// `503` answers so far (each retried).
    var unavailableCount: Int { state.unavailable.load(ordering: .relaxed) }
    /// Orders started so far.
    var startedCount: Int { state.started.load(ordering: .relaxed) }

    /// Stops starting orders, waits for every order still retrying, and returns the ids answered `202`.
    func stop() async -> [Int64] {
        state.stopping.store(true, ordering: .releasing)
        await task.value
        for request in state.requests.withLock({ $0 }) { await request.value }
        return state.accepted.withLock { $0 }
    }
}
