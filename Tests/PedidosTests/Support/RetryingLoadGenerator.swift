import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
@testable import PedidosKafka
@testable import PedidosDomain

/// A client that places orders at a fixed rate and, like a well-behaved client, retries a `503` after the
/// `Retry-After` the server gives, until the order is accepted (`202`). Every order is its own task, so a
/// slow answer (the broker gone: up to 4 s) or a wait does not hold back the schedule.
///
/// Each attempt uses its own recipient (`c<order>a<attempt>@domain`): a `503` promises nothing was
/// accepted, but a durable broker may have kept a record whose acknowledgement was lost; such an order
/// then shows up under its own address instead of doubling the mails of the accepted one.
final class RetryingLoadGenerator: Sendable {
    /// One order that got its `202`.
    struct Accepted: Sendable, Hashable {
        let id: Int64
        let correo: String
        /// When the `202` arrived.
        let at: Date
    }

    /// What happened to the orders (attempts included), for the test's report.
    struct Outcome: Sendable {
        var accepted: [Accepted] = []
        /// `503` answers (each one waited for its `Retry-After`).
        var unavailable = 0
        /// When the first and the last `503` arrived.
        var firstUnavailable: Date?
        var lastUnavailable: Date?
        /// Attempts without an answer (timeout, connection refused): their order may or may not exist.
        var unanswered = 0
        /// Other answers (not 202 or 503), as "status body".
        var unexpected: [String] = []
        /// Orders still unaccepted when their deadline passed.
        var abandoned = 0
    }

    private final class State: Sendable {
        let stopping = Atomic<Bool>(false)
        let outcome = Mutex(Outcome())
        let placed = Atomic<Int>(0)
    }

    private let state = State()
    private let task: Task<Void, Never>

    /// - Parameters:
    ///   - port: solicitudes' port.
    ///   - interval: time between the starts of two orders.
    ///   - domain: recipient domain of every order.
    ///   - patience: how long one order keeps retrying before it is abandoned.
    init(port: Int, domain: String, interval: Duration, patience: Duration = .seconds(60)) {
        let state = self.state
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 128
        configuration.timeoutIntervalForRequest = 20
        let session = URLSession(configuration: configuration)
        task = Task {
            await withTaskGroup(of: Void.self) { group in
                let clock = ContinuousClock()
                var next = clock.now
                var index = 0
                while !state.stopping.load(ordering: .acquiring) {
                    let order = index
                    group.addTask {
                        await Self.place(order: order, port: port, domain: domain, patience: patience, session: session, state: state)
                    }
                    index += 1
                    state.placed.store(index, ordering: .releasing)
                    next = next.advanced(by: interval)
                    if next > clock.now { try? await Task.sleep(until: next, clock: clock) }
                }
                await group.waitForAll()
            }
            session.finishTasksAndInvalidate()
        }
    }

    private static func place(order: Int, port: Int, domain: String, patience: Duration,
                              session: URLSession, state: State) async {
        let deadline = ContinuousClock.now + patience
        var attempt = 0
        while ContinuousClock.now < deadline {
            let correo = "c\(order)a\(attempt)@\(domain)"
            attempt += 1
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/pedidos")!)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"nombre":"Carga \#(order)","precio":\#(order).25,"correo":"\#(correo)"}"#.utf8)
            let answer: (Data, HTTPURLResponse)
            do {
                let (data, response) = try await session.data(for: request)
                answer = (data, response as! HTTPURLResponse)
            } catch {
                state.outcome.withLock { $0.unanswered += 1 }
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            let (data, response) = answer
            switch response.statusCode {
            case 202:
                guard case .number(let text)? = (try? JSONParser.parse(Array(data)))?["id"], let id = Int64(text) else {
                    state.outcome.withLock { $0.unexpected.append("202 without id: \(String(decoding: data, as: UTF8.self))") }
                    return
                }
                state.outcome.withLock { $0.accepted.append(Accepted(id: id, correo: correo, at: Date())) }
                return
            case 503:
                let now = Date()
                state.outcome.withLock {
                    $0.unavailable += 1
                    $0.firstUnavailable = $0.firstUnavailable ?? now
                    $0.lastUnavailable = now
                }
                let seconds = (response.value(forHTTPHeaderField: "Retry-After")).flatMap { Int($0) } ?? 1
                try? await Task.sleep(for: .seconds(seconds))
            default:
                state.outcome.withLock { $0.unexpected.append("\(response.statusCode) \(String(decoding: data, as: UTF8.self))") }
                return
            }
        }
        state.outcome.withLock { $0.abandoned += 1 }
    }

    /// Orders started so far.
    var placed: Int { state.placed.load(ordering: .acquiring) }

    /// Orders accepted so far.
    var acceptedCount: Int { state.outcome.withLock { $0.accepted.count } }

    /// Starts no more orders, waits until every started one is accepted or abandoned, and returns what happened.
    func stop() async -> Outcome {
        state.stopping.store(true, ordering: .releasing)
        await task.value
        return state.outcome.withLock { $0 }
    }
}
