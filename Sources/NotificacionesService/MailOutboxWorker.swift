import Foundation
import Logging
import PedidosSMTP
import PedidosSupport
import ServiceLifecycle
import Synchronization

/// Sends the mails of the outbox over SMTP, apart from Kafka consumption: a slow or unreachable SMTP
/// server only makes rows wait in `email_outbox`, it never holds back the ``TransitionRecorder``.
///
/// - **Lanes**: one per ``SMTPClient`` (each keeps its own connection open); a lane takes a few claimed
///   rows at a time and sends them one by one. The lanes share their claims (``OutboxClaimer``): one claim
///   statement (``MailOutboxRepository/claimDue(limit:lease:)``) feeds every lane that needs work.
/// - **One PostgreSQL round trip per take**: the `sending` commit of all the mails a lane took starts with
///   the first transfer and runs while the envelope (MAIL FROM, RCPT TO, DATA) is on the wire; every
///   end-of-data hook of the take only waits for it (the first one, at most a commit's time). With a
///   backlog the lane does not wait even that: while the last mails of the take are on the wire
///   (``Settings/markLead``) it takes its next mails from what is already claimed
///   (``OutboxClaimer/takeClaimed()``) and starts their commit. The same
///   transaction records the lane's previous mails as `sent`
///   (``MailOutboxRepository/markSending(_:recordingSent:)``); when the lane has nothing more to send right
///   away, its last mails are recorded `sent` (``MailOutboxRepository/markSent(_:)``) before it waits,
///   gives rows back, pauses or stops. A lane takes one or two mails when few are due and a whole batch
///   from a backlog (``OutboxClaimer``), so a backlog costs one mark per batch and a trickle stays as
///   prompt as before.
/// - **Prompt**: an idle lane waits on the ``WakeSignal`` the recorder raises after committing new
///   rows, with a poll every `pollInterval` as a fallback (rows inserted by another replica, retries
///   falling due).
/// - **Retries**: a transient failure (``SMTPError/isTransient``) counts an attempt and makes the row due
///   again after `min(baseBackoff × 2^(attempts-1), maxBackoff)`; the lane gives its other claimed rows
///   back and pauses for the same time, so a dead server is probed, not hammered, and a recovered one is
///   drained within `maxBackoff`. A permanent failure marks the row `failed`.
/// - **Leases**: a claim hides rows for `lease`; a lane never starts a send that might outlive its lease
///   (it gives the remaining rows back instead), so no other replica can be sending the same row.
/// - **Never twice**: before the SMTP end of data (the final `.`) the row is committed as `sending`
///   (``MailOutboxRepository/markSending(_:recordingSent:)``); after the server's `250` it becomes `sent`
///   (with the lane's next round trip, at the latest when it runs out of work). A failure before the end
///   of data, or an error reply to it, leaves the mail undelivered: it is retried or failed as usual. Mails
///   of the take whose transfer never started (a stop, a pause, the lease) are given back `pending`. A
///   connection that breaks after the end of data, or a process that dies while rows are `sending` (the
///   take's mails not yet accepted and the next take's: at most `mailsPerMark + markLead` per lane), leaves
///   them `sending`: the next claim after their lease sends them again with the same Message-ID
///   (``PostgresMailOutboxRepository/uncertainResends``
///   times at most, then `uncertain`; with 0 re-sends, the strict mode, no mail is ever delivered twice and
///   only a crash can lose the mails it left `sending`, shown as `incierto` in /historial and in the metrics).
/// - **Graceful shutdown**: every lane finishes the send in progress and marks it, gives the rest of its
///   claim back (due at once for the next instance), and returns. Sends are never cancelled by it.
public struct MailOutboxWorker: Service {
    /// Tuning of the worker.
    public struct Settings: Sendable {
        /// Most mails a lane takes at a time; a claim statement asks for lanes × this (``OutboxClaimer``).
        public var batchSize: Int
        /// Fallback poll interval when idle.
        public var pollInterval: Duration
        /// First retry delay of a mail after a transient failure.
        public var baseBackoff: Duration
        /// Cap of the retry delay.
        public var maxBackoff: Duration
        /// How long a claim hides its rows from other claimers.
        public var lease: Duration
        /// Longest time one send may take (the SMTP client's total timeout).
        public var sendTimeout: Duration
        /// Most mails one `sending` commit marks (default: `batchSize`, a lane's whole take); 1 marks every
        /// mail on its own, the smallest window (the strict mode uses it, where those mails end up `uncertain`).
        public var mailsPerMark: Int
        /// How many mails before the end of a commit's mails the lane starts its next commit (default: a quarter
        /// of `mailsPerMark`; at least 1, at most `mailsPerMark`): the commit has that many transfers to finish in
        /// before the lane needs it. A crash leaves at most `mailsPerMark + markLead` mails per lane `sending`
        /// (2 in the strict mode, where `mailsPerMark` is 1); the `markLead` of them not yet transferred are sent
        /// once when the lease ends, never twice.
        public var markLead: Int

        public init(batchSize: Int = 16, pollInterval: Duration = .seconds(1), baseBackoff: Duration = .milliseconds(250),
                    maxBackoff: Duration = .seconds(5), sendTimeout: Duration = .seconds(60), lease: Duration? = nil,
                    mailsPerMark: Int? = nil, markLead: Int? = nil) {
            self.batchSize = batchSize
            self.mailsPerMark = max(1, mailsPerMark ?? batchSize)
            // A commit cannot start before the previous one began: more than `mailsPerMark` ahead is the same.
            self.markLead = min(self.mailsPerMark, max(1, markLead ?? self.mailsPerMark / 4))
            self.pollInterval = pollInterval
            self.baseBackoff = baseBackoff
            self.maxBackoff = maxBackoff
            self.sendTimeout = sendTimeout
            self.lease = lease ?? (sendTimeout * 2 + .seconds(30))
        }
    }

    let outbox: any MailOutboxRepository
    let clients: [SMTPClient]
    let sender: EmailAddress
    let signal: WakeSignal
    let metrics: NotificacionesMetrics
    let settings: Settings
    let logger: Logger

    /// - Parameters:
    ///   - clients: one lane per client (at least one).
    ///   - sender: the `From` of every mail (`SMTP_FROM`).
    public init(outbox: any MailOutboxRepository, clients: [SMTPClient], sender: EmailAddress, signal: WakeSignal,
                metrics: NotificacionesMetrics, settings: Settings = Settings(), logger: Logger) {
        precondition(!clients.isEmpty, "MailOutboxWorker needs at least one SMTP client")
        self.outbox = outbox
        self.clients = clients
        self.sender = sender
        self.signal = signal
        self.metrics = metrics
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        let stop = CancellationFlag()
        let signal = self.signal
        let logger = self.logger
        let claimer = OutboxClaimer(outbox: outbox, lanes: clients.count, batchSize: settings.batchSize, lease: settings.lease)
        // A graceful shutdown lets each lane finish the send in progress and record its outcome; only waits
        // and pauses end early. Cancellation also aborts the sends (SMTPClient honours it).
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for (index, client) in clients.enumerated() {
                    // On the event loop of the lane's connection: a mail costs no thread switch between the
                    // lane and its socket (PostgreSQL's answers, once per take, still come from libpq's queue).
                    group.addTask(executorPreference: client.preferredTaskExecutor) {
                        await runLane(index, client: client, claimer: claimer, stop: stop)
                    }
                }
            }
        } onCancelOrGracefulShutdown: {
            logger.info("mail worker: stopping after the sends in progress")
            stop.cancel()
            signal.signal()
        }
        // Rows claimed for lanes that stopped first: due at once for the next instance.
        do { try await claimer.releaseUntaken(after: .zero) } catch {
            logger.warning("mail worker: could not give claimed rows back; they are due again when the lease ends",
                           metadata: ["error": "\(error)"])
        }
        logger.info("mail worker: stopped")
    }

    private func runLane(_ lane: Int, client: SMTPClient, claimer: OutboxClaimer, stop: CancellationFlag) async {
        var logger = self.logger
        logger[metadataKey: "lane"] = "\(lane)"
        let clock = ContinuousClock()
        var consecutiveFailures = 0
        var databaseFailures = 0
        // Mails the server accepted that are not yet recorded `sent` (the next `sending` commit carries them).
        var accepted: [OutboxMail.Accepted] = []
        while !stop.isCancelled {
            // The lane's mails: its take, and the next take once the last mails of this one are on the wire.
            var claimed: [OutboxClaimer.Claimed]
            do {
                claimed = try await claimer.take()
                databaseFailures = 0
            } catch {
                await recordSent(&accepted, stop: stop, logger: logger)
                databaseFailures += 1
                if databaseFailures == 1 || databaseFailures % 20 == 0 {
                    logger.warning("mail worker: cannot claim outbox rows", metadata: ["error": "\(error)"])
                }
                await self.pause(for: TransitionRecorder.backoff(attempt: databaseFailures, initial: .milliseconds(100),
                                                             maximum: .seconds(2)))
                continue
            }
            if claimed.isEmpty {
                // Nothing to send right away: record what the server accepted before waiting.
                await recordSent(&accepted, stop: stop, logger: logger)
                await waitForWork(stop)
                continue
            }

            var pause: Duration?
            var index = 0
            // The `sending` commit of the mails claimed[..<markedEnd] that claimed[index] belongs to, and the
            // next one, started while the last `markLead` of those mails are on the wire.
            var marking: TakeMarking?
            var markedEnd = 0
            var upcoming: (marking: TakeMarking, end: Int)?
            while index < claimed.count {
                // Never start a send that could outlive the claim's lease.
                let claim = claimed[index]
                if stop.isCancelled || clock.now - claim.claimedAt + settings.sendTimeout + .seconds(5) > settings.lease { break }
                if index >= markedEnd {
                    // The next `sending` commit: the mails from here on, `mailsPerMark` at most, carrying the
                    // mails accepted so far (the previous commit settled first, so they are not carried twice).
                    if marking != nil { await marking!.settle(&accepted) }
                    if let started = upcoming {
                        (marking, markedEnd, upcoming) = (started.marking, started.end, nil)
                    } else {
                        markedEnd = min(claimed.count, index + settings.mailsPerMark)
                        marking = TakeMarking(outbox: outbox, keys: claimed[index..<markedEnd].map(\.mail.key), carrying: accepted)
                    }
                }
                if upcoming == nil, index >= markedEnd - settings.markLead, marking!.isSettled {
                    // The last `markLead` mails of this commit, which is already over: the next commit starts now
                    // and runs during their transfers, with the lane's next mails taken from what is already claimed.
                    if markedEnd == claimed.count { claimed += await claimer.takeClaimed() }
                    if markedEnd < claimed.count {
                        let end = min(claimed.count, markedEnd + settings.mailsPerMark)
                        upcoming = (TakeMarking(outbox: outbox, keys: claimed[markedEnd..<end].map(\.mail.key), carrying: accepted), end)
                    }
                }
                index += 1
                if let failureDelay = await send(claim.mail, with: client, then: index < claimed.count ? claimed[index].mail : nil,
                                                 marking: &marking!, accepted: &accepted, stop: stop, logger: logger) {
                    pause = failureDelay
                    break
                }
            }
            // The `sending` commits are over before rows are given back (they would mark them again).
            if marking != nil { await marking!.settle(&accepted) }
            if upcoming != nil { await upcoming!.marking.settle(&accepted) }
            if index < claimed.count {
                // Record what the server accepted before giving rows back, pausing or stopping.
                await recordSent(&accepted, stop: stop, logger: logger)
                let rest = claimed[index...].map(\.mail)
                do {
                    try await outbox.release(rest, after: pause ?? .zero)
                } catch {
                    logger.warning("mail worker: could not give claimed rows back; they are due again when the lease ends",
                                   metadata: ["rows": "\(rest.count)", "error": "\(error)"])
                }
            }
            if let pause {
                await recordSent(&accepted, stop: stop, logger: logger)
                consecutiveFailures += 1
                await self.pause(for: Swift.max(pause, TransitionRecorder.backoff(
                    attempt: consecutiveFailures, initial: settings.baseBackoff, maximum: settings.maxBackoff)))
            } else {
                consecutiveFailures = 0
            }
        }
        await recordSent(&accepted, stop: stop, logger: logger)
    }

    /// Waits for the recorder's signal, the poll interval, or the stop.
    private func waitForWork(_ stop: CancellationFlag) async {
        guard !stop.isCancelled else { return }
        let signal = self.signal, pollInterval = settings.pollInterval
        await cancelWhenGracefulShutdown { await signal.wait(timeout: pollInterval) }
    }

    /// Sleeps for `duration`, returning early on graceful shutdown or cancellation.
    private func pause(for duration: Duration) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    /// Sends one mail of a take and records the outcome; a mail the server accepted is appended to
    /// `accepted` (the next `sending` commit, or ``recordSent(_:stop:logger:)``, records it). A mail the
    /// take's commit did not mark is no longer this lane's and is skipped. `next`, the take's following
    /// mail, is announced to the server behind this one (``SMTPClient/send(_:beforeEndOfData:then:)``).
    /// Returns the retry delay after a transient failure (the lane should pause), `nil` otherwise.
    private func send(_ mail: OutboxMail, with client: SMTPClient, then next: OutboxMail?, marking: inout TakeMarking,
                      accepted: inout [OutboxMail.Accepted], stop: CancellationFlag, logger: Logger) async -> Duration? {
        if let marked = marking.marked, !marked.contains(mail.key) {
            logger.debug("mail worker: skipping a mail that is no longer this lane's", metadata: ["mail": "\(mail.key)"])
            return nil
        }
        let message = self.message(mail)
        let started = ContinuousClock.now
        let key = mail.key
        let commit = marking.commit
        let handover = HandoverOutcome()
        let handoverWait = metrics.handoverWait
        do {
            // Right before the end of data: the take's commit must be over (it ran while the envelope was on the wire).
            try await client.send(message, beforeEndOfData: {
                let waitStarted = ContinuousClock.now
                let outcome = await commit.value
                handoverWait.recordNanoseconds((ContinuousClock.now - waitStarted).nanoseconds)
                switch outcome {
                case .success(let marked) where marked.contains(key):
                    return true
                case .success:
                    handover.set(.notOurs)
                    return false
                case .failure(let error):
                    handover.set(.markFailed("\(error)"))
                    return false
                }
            }, then: next.map(self.message))
            let acceptedAt = Date()
            metrics.smtpSendOK.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
            metrics.mailsSent.increment()
            await marking.settle(&accepted)
            accepted.append(OutboxMail.Accepted(key: key, at: acceptedAt))
            return nil
        } catch {
            metrics.smtpSendError.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
            // Whatever happened, the `sending` commit must be over before the row's outcome is recorded: a
            // late `sending` would otherwise overwrite it.
            await marking.settle(&accepted)
            let failure = error as? SMTPSendFailure
            switch handover.reason {
            case .notOurs?:
                // Aborted before the end of data: nothing delivered, and the row is someone else's.
                logger.debug("mail worker: send aborted, the mail is no longer this lane's", metadata: ["mail": "\(mail.key)"])
                return nil
            case .markFailed(let reason)?:
                // Aborted before the end of data: nothing delivered, row untouched.
                logger.warning("mail worker: send aborted before the end of data", metadata: [
                    "mail": "\(mail.key)", "reason": "cannot mark the mails as being sent: \(reason)",
                ])
                return settings.baseBackoff
            case nil:
                break
            }
            if let failure, failure.mayHaveBeenDelivered {
                metrics.mailsUncertain.increment()
                let delay = TransitionRecorder.backoff(attempt: mail.attempts + 1, initial: settings.baseBackoff,
                                                       maximum: settings.maxBackoff)
                logger.error("mail worker: the connection broke after the end of data; the server may or may not have the mail (sent again with the same Message-ID within the re-send limit)", metadata: [
                    "mail": "\(mail.key)", "message_id": "\(mail.messageID)", "error": "\(failure)",
                ])
                await markUncertain(mail.key, error: "\(failure)", after: delay, stop: stop, logger: logger)
                return delay
            }
            // Not delivered (failed before the end of data, or refused): the row may already be `sending`
            // (its commit started with the transfer); marking it retried or failed puts it back in order.
            let smtpError = failure?.error
            if let smtpError, smtpError.isPermanent {
                metrics.mailsFailed.increment()
                logger.error("mail worker: the mail was refused for good; marked failed", metadata: [
                    "mail": "\(mail.key)", "message_id": "\(mail.messageID)", "error": "\(error)",
                ])
                do { try await outbox.markFailed(mail.key, error: "\(error)") } catch {
                    logger.warning("mail worker: could not mark the mail failed; it is tried again after its lease",
                                   metadata: ["mail": "\(mail.key)", "error": "\(error)"])
                }
                return nil
            }
            metrics.mailRetries.increment()
            let delay = TransitionRecorder.backoff(attempt: mail.attempts + 1, initial: settings.baseBackoff,
                                                   maximum: settings.maxBackoff)
            logger.warning("mail worker: sending failed; retrying later", metadata: [
                "mail": "\(mail.key)", "attempts": "\(mail.attempts + 1)", "retry_in": "\(delay)", "error": "\(error)",
            ])
            do { try await outbox.markRetry(mail.key, error: "\(error)", after: delay) } catch {
                logger.warning("mail worker: could not record the failed attempt; the mail is retried after its lease",
                               metadata: ["mail": "\(mail.key)", "error": "\(error)"])
            }
            return delay
        }
    }

    /// The message of an outbox row, from `SMTP_FROM`, dated now.
    private func message(_ mail: OutboxMail) -> EmailMessage {
        EmailMessage(from: sender, to: EmailAddress(mail.recipient), subject: mail.subject, body: mail.body,
                     date: Date(), messageID: mail.messageID)
    }

    /// Marks the accepted mails `sent` in one statement, retrying while PostgreSQL is unavailable (a row
    /// left `sending` would end up `uncertain` although the mail arrived), then empties `accepted`.
    private func recordSent(_ accepted: inout [OutboxMail.Accepted], stop: CancellationFlag, logger: Logger) async {
        guard !accepted.isEmpty else { return }
        let mails = accepted
        await retryingMark(mails.map(\.key.description).joined(separator: ","), what: "sent", stop: stop, logger: logger) {
            try await outbox.markSent(mails)
        }
        accepted.removeAll()
    }

    /// Marks a mail uncertain, retrying while PostgreSQL is unavailable (else the next claim does it once
    /// the lease is over).
    private func markUncertain(_ key: OutboxMail.Key, error: String, after: Duration, stop: CancellationFlag,
                               logger: Logger) async {
        await retryingMark(key.description, what: "uncertain", stop: stop, logger: logger) {
            try await outbox.markUncertain(key, error: error, after: after)
        }
    }

    private func retryingMark(_ key: String, what: String, stop: CancellationFlag, logger: Logger,
                              _ mark: () async throws -> Void) async {
        var attempt = 0
        while true {
            do {
                try await mark()
                return
            } catch {
                attempt += 1
                // After a stop request, a few last tries (the pool is still open), then give up.
                if stop.isCancelled && attempt > 3 {
                    logger.error("mail worker: could not mark the mail \(what); it becomes uncertain when its lease ends",
                                 metadata: ["mail": "\(key)", "error": "\(error)"])
                    return
                }
                if attempt == 1 || attempt % 20 == 0 {
                    logger.warning("mail worker: could not mark the mail \(what); retrying", metadata: ["mail": "\(key)", "error": "\(error)"])
                }
                let delay = TransitionRecorder.backoff(attempt: attempt, initial: .milliseconds(100), maximum: .seconds(2))
                if stop.isCancelled { try? await Task.sleep(for: delay) } else { await pause(for: delay) }
            }
        }
    }
}

/// Why a send was aborted at the end of data, set by the hook.
private final class HandoverOutcome: Sendable {
    enum Reason: Sendable {
        /// The row is no longer this lane's (its lease is over, or it was already handled).
        case notOurs
        /// The `sending` commit failed.
        case markFailed(String)
    }

    private let state = Mutex<Reason?>(nil)
    var reason: Reason? { state.withLock { $0 } }
    func set(_ reason: Reason) { state.withLock { $0 = reason } }
}

/// A lane's `sending` commit for the mails it took (carrying the mails the server accepted before): started
/// with the take's first transfer, awaited by every end-of-data hook of the take (``commit``),
/// and settled — awaited — before any outcome of the take is recorded or its rows are given back, since a
/// late `sending` would overwrite them.
private struct TakeMarking {
    /// The commit; the first hook of the take usually waits for it, the later ones find it done.
    let commit: Task<Result<Set<OutboxMail.Key>, any Error>, Never>
    private let carried: Int
    private var settled: Result<Set<OutboxMail.Key>, any Error>?

    init(outbox: any MailOutboxRepository, keys: [OutboxMail.Key], carrying accepted: [OutboxMail.Accepted]) {
        carried = accepted.count
        commit = Task {
            do { return .success(try await outbox.markSending(keys, recordingSent: accepted)) } catch { return .failure(error) }
        }
    }

    /// Whether the commit was awaited (``settle(_:)``).
    var isSettled: Bool { settled != nil }

    /// The keys marked, once the commit is settled and succeeded.
    var marked: Set<OutboxMail.Key>? {
        if case .success(let keys)? = settled { return keys }
        return nil
    }

    /// Waits for the commit, once; when it succeeded, the mails it carried were recorded and leave `accepted`.
    mutating func settle(_ accepted: inout [OutboxMail.Accepted]) async {
        guard settled == nil else { return }
        let result = await commit.value
        if case .success = result { accepted.removeFirst(carried) }
        settled = result
    }
}
