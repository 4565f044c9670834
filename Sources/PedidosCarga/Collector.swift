import Foundation
import PedidosDomain

/// Everything read back from the system for the accepted orders.
struct Collected: Sendable {
    var traces: [Int64: PedidoTrace] = [:]
    /// Mails received per order, with their recipients (empty when no SMTP store was given).
    var mails: [Int64: [(estado: Estado, recipient: String)]] = [:]
    var mailsChecked = false
}

/// After the load: waits (until the deadline) for every accepted order to reach `finalizado` and for its
/// four mails to arrive, then reads every order's full trace.
struct Collector {
    let source: any TraceSource
    let mailStore: MailStoreScanner?
    let delayMs: Double
    let deadlineSeconds: Double
    let clock: RunClock
    let counters: LiveCounters

    func collect(_ records: [RequestRecord]) async throws -> Collected {
        let accepted = records.filter(\.accepted)
        var schedule: [Int64: Double] = [:]
        for record in accepted { schedule[record.orderID!] = clock.wallMs(record.scheduledNs) }
        var pending = Set(schedule.keys)
        var result = Collected(mailsChecked: mailStore != nil)
        var mailsForAccepted = 0
        let deadline = clock.now() + Int64(deadlineSeconds * 1e9)

        while true {
            let nowMs = Date().timeIntervalSince1970 * 1000
            // Ask only about orders whose three delays have elapsed since they were sent.
            let due = pending.filter { schedule[$0]! + 3 * delayMs + 20 <= nowMs }
            if !due.isEmpty {
                let found = try await source.finalized(among: Array(due))
                for (id, trace) in found { result.traces[id] = trace; pending.remove(id) }
                counters.finalized.store(result.traces.count, ordering: .relaxed)
            }
            mailsForAccepted += scanMails(into: &result, accepted: schedule)
            counters.mails.store(mailsForAccepted, ordering: .relaxed)
            let mailsDone = mailStore == nil || mailsForAccepted >= 4 * schedule.count
            if (pending.isEmpty && mailsDone) || clock.now() > deadline { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
        // Late duplicates, if any, arrive right after: one more look a second later.
        if mailStore != nil {
            try? await Task.sleep(for: .seconds(1))
            _ = scanMails(into: &result, accepted: schedule)
        }
        // Full traces: a finalizado row can be recorded before an earlier state's (separate topics).
        let incomplete = schedule.keys.filter { id in result.traces[id].map { $0.enteredMs.contains(nil) } ?? true }
        if !incomplete.isEmpty {
            for (id, trace) in try await source.traces(of: incomplete) { result.traces[id] = trace }
        }
        return result
    }

    private func scanMails(into result: inout Collected, accepted: [Int64: Double]) -> Int {
        guard let mailStore else { return 0 }
        var added = 0
        for mail in mailStore.scan() where accepted[mail.orderID] != nil {
            result.mails[mail.orderID, default: []].append((mail.estado, mail.recipient))
            added += 1
        }
        return added
    }
}
