import Foundation
import PedidosSupport
import Synchronization

/// One thread for the whole process that cancels statements running past their deadline.
///
/// The server's `statement_timeout` normally ends a long statement first; the watchdog is the client-side
/// backstop, so that a statement never holds a pool slot for ever. It sweeps every slot once a second
/// instead of arming a timer per statement.
final class PostgresStatementWatchdog: Sendable {
    static let shared = PostgresStatementWatchdog(period: .seconds(1))

    private struct Watched {
        weak var slot: PostgresPoolSlot?
    }

    private let watched = Mutex<[Watched]>([])

    private init(period: Duration) {
        startThread(name: "postgres-watchdog") { [self] in
            while true {
                Thread.sleep(forTimeInterval: period.seconds)
                sweep(now: .now)
            }
        }
    }

    /// Starts watching `slot`; it is forgotten once it is deallocated.
    func watch(_ slot: PostgresPoolSlot) {
        watched.withLock { entries in
            entries.removeAll { $0.slot == nil }
            entries.append(Watched(slot: slot))
        }
    }

    /// Cancels, on every watched slot, the statement whose deadline is before `now`.
    func sweep(now: ContinuousClock.Instant) {
        let slots = watched.withLock { $0.compactMap(\.slot) }
        for slot in slots { slot.cancelIfOverdue(now: now) }
    }
}
