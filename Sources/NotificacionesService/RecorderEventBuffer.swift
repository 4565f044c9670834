import PedidosKafka
import Synchronization

/// A bounded hand-over between the task reading Kafka events and the task recording them, so that the
/// recorder can take every message already fetched in one go (one transaction for many messages) while
/// the reader keeps polling. Order is preserved; the reader waits when `capacity` events are queued.
final class RecorderEventBuffer: Sendable {
    /// A consumer event; messages come already decoded (the reader decodes while the recorder writes).
    enum Event: Sendable {
        case message(KafkaMessage, Result<PedidoTransition, any Error>)
        case assigned([TopicPartition])
        case revoked([TopicPartition])
    }

    private struct State {
        var events: [Event] = []
        var finished = false
        var failure: (any Error)?
        var taker: CheckedContinuation<Void, Never>?
        var pushers: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Appends `event`, waiting while the buffer is full. Returns false once the buffer is finished
    /// (the event is dropped: it was not processed, so its offset is never stored).
    func push(_ event: Event) async -> Bool {
        while true {
            enum Outcome { case finished, pushed(CheckedContinuation<Void, Never>?), full }
            let outcome = state.withLock { state -> Outcome in
                if state.finished { return .finished }
                guard state.events.count < capacity else { return .full }
                state.events.append(event)
                defer { state.taker = nil }
                return .pushed(state.taker)
            }
            switch outcome {
            case .finished:
                return false
            case .pushed(let taker):
                taker?.resume()
                return true
            case .full:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.finished || state.events.count < capacity { return true }
                        state.pushers.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Whether no event is waiting to be taken.
    var isEmpty: Bool { state.withLock { $0.events.isEmpty } }

    /// Waits for at least one event and returns up to `max` of them, in order; `nil` once finished.
    /// - Throws: the error the buffer was finished with.
    func take(max: Int) async throws -> [Event]? {
        while true {
            enum Outcome { case events([Event], [CheckedContinuation<Void, Never>]), finished((any Error)?), empty }
            let outcome = state.withLock { state -> Outcome in
                if state.finished { return .finished(state.failure) }
                guard !state.events.isEmpty else { return .empty }
                let count = Swift.min(max, state.events.count)
                let taken = Array(state.events.prefix(count))
                state.events.removeFirst(count)
                defer { state.pushers = [] }
                return .events(taken, state.pushers)
            }
            switch outcome {
            case .events(let events, let pushers):
                for pusher in pushers { pusher.resume() }
                return events
            case .finished(let failure):
                if let failure { throw failure }
                return nil
            case .empty:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.finished || !state.events.isEmpty { return true }
                        state.taker = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Ends the hand-over: queued events are dropped, waiting calls return, later pushes are refused and
    /// takes return `nil` (or throw `failure`). The first call decides the failure.
    func finish(failure: (any Error)? = nil) {
        let (taker, pushers) = state.withLock { state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
            if !state.finished {
                state.finished = true
                state.failure = failure
            }
            state.events = []
            defer {
                state.taker = nil
                state.pushers = []
            }
            return (state.taker, state.pushers)
        }
        taker?.resume()
        for pusher in pushers { pusher.resume() }
    }
}
