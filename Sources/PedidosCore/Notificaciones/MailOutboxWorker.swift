import Foundation
import Logging
import ServiceLifecycle

/// Sends the mails of the outbox over SMTP, apart from Kafka consumption: a slow or unreachable SMTP
/// server only makes rows wait in `email_outbox`, it never holds back the ``TransitionRecorder``.
///
/// - **Lanes**: one per ``SMTPClient`` (each keeps its own connection open); each lane claims a few due
///   rows at a time (``MailOutboxRepository/claimDue(limit:lease:)``), sends them one by one and marks
///   each row as soon as the server answered.
/// - **Prompt**: an idle lane waits on the ``OutboxWakeSignal`` the recorder raises after committing new
///   rows, with a poll every `pollInterval` as a fallback (rows inserted by another replica, retries
///   falling due).
/// - **Retries**: a transient failure (``SMTPError/isTransient``) counts an attempt and makes the row due
///   again after `min(baseBackoff × 2^(attempts-1), maxBackoff)`; the lane gives its other claimed rows
///   back and pauses for the same time, so a dead server is probed, not hammered, and a recovered one is
///   drained within `maxBackoff`. A permanent failure marks the row `failed`.
/// - **Leases**: a claim hides rows for `lease`; a lane never starts a send that might outlive its lease
///   (it gives the remaining rows back instead), so no other replica can be sending the same row.
/// - **Exactly once, but for one window**: a row is marked `sent` right after the server accepted the
///   mail (with retries while PostgreSQL is away). If the process dies between the server's acceptance
///   and that mark, the row stays pending and the mail is sent again once the lease ends, with the same
///   Message-ID (so clients can deduplicate). Redeliveries and restarts never resend a row marked `sent`.
/// - **Graceful shutdown**: every lane finishes the send in progress and marks it, gives the rest of its
///   claim back (due at once for the next instance), and returns. Sends are never cancelled by it.
public struct MailOutboxWorker: Service {
    /// Tuning of the worker.
    public struct Settings: Sendable {
        /// Rows a lane claims at a time.
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

        public init(batchSize: Int = 8, pollInterval: Duration = .seconds(1), baseBackoff: Duration = .milliseconds(250),
                    maxBackoff: Duration = .seconds(5), sendTimeout: Duration = .seconds(60), lease: Duration? = nil) {
            self.batchSize = batchSize
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
    let signal: OutboxWakeSignal
    let metrics: NotificacionesMetrics
    let settings: Settings
    let logger: Logger

    /// - Parameters:
    ///   - clients: one lane per client (at least one).
    ///   - sender: the `From` of every mail (`SMTP_FROM`).
    public init(outbox: any MailOutboxRepository, clients: [SMTPClient], sender: EmailAddress, signal: OutboxWakeSignal,
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
        let stop = NotificacionesStopLatch()
        let signal = self.signal
        let logger = self.logger
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withTaskGroup(of: Void.self) { group in
                    for (index, client) in clients.enumerated() {
                        group.addTask { await runLane(index, client: client, stop: stop) }
                    }
                }
            } onCancel: {
                stop.trigger()
                signal.signal()
            }
        } onGracefulShutdown: {
            logger.info("mail worker: stopping after the sends in progress")
            stop.trigger()
            signal.signal()
        }
        logger.info("mail worker: stopped")
    }

    private func runLane(_ lane: Int, client: SMTPClient, stop: NotificacionesStopLatch) async {
        var logger = self.logger
        logger[metadataKey: "lane"] = "\(lane)"
        let clock = ContinuousClock()
        var consecutiveFailures = 0
        var databaseFailures = 0
        while !stop.isTriggered {
            let claimedAt = clock.now
            let claimed: [OutboxMail]
            do {
                claimed = try await outbox.claimDue(limit: settings.batchSize, lease: settings.lease)
                databaseFailures = 0
            } catch {
                databaseFailures += 1
                if databaseFailures == 1 || databaseFailures % 20 == 0 {
                    logger.warning("mail worker: cannot claim outbox rows", metadata: ["error": "\(error)"])
                }
                await stop.sleep(for: TransitionRecorder.backoff(attempt: databaseFailures, initial: .milliseconds(100),
                                                                  maximum: .seconds(2)))
                continue
            }
            if claimed.isEmpty {
                await waitForWork(stop)
                continue
            }

            var pause: Duration?
            var index = 0
            while index < claimed.count {
                // Never start a send that could outlive the claim's lease.
                if stop.isTriggered || clock.now - claimedAt + settings.sendTimeout + .seconds(5) > settings.lease { break }
                let mail = claimed[index]
                index += 1
                if let failureDelay = await send(mail, with: client, stop: stop, logger: logger) {
                    pause = failureDelay
                    break
                }
            }
            if index < claimed.count {
                let rest = claimed[index...].map(\.key)
                do {
                    try await outbox.release(rest, after: pause ?? .zero)
                } catch {
                    logger.warning("mail worker: could not give claimed rows back; they are due again when the lease ends",
                                   metadata: ["rows": "\(rest.count)", "error": "\(error)"])
                }
            }
            if let pause {
                consecutiveFailures += 1
                await stop.sleep(for: Swift.max(pause, TransitionRecorder.backoff(
                    attempt: consecutiveFailures, initial: settings.baseBackoff, maximum: settings.maxBackoff)))
            } else {
                consecutiveFailures = 0
            }
        }
    }

    /// Waits for the recorder's signal, the poll interval, or the stop.
    private func waitForWork(_ stop: NotificacionesStopLatch) async {
        guard !stop.isTriggered else { return }
        await signal.wait(timeout: settings.pollInterval)
    }

    /// Sends one mail and records the outcome. Returns the retry delay after a transient failure (the lane
    /// should pause), `nil` otherwise.
    private func send(_ mail: OutboxMail, with client: SMTPClient, stop: NotificacionesStopLatch, logger: Logger) async -> Duration? {
        let message = EmailMessage(from: sender, to: EmailAddress(mail.recipient), subject: mail.subject, body: mail.body,
                                   date: Date(), messageID: mail.messageID)
        let started = ContinuousClock.now
        do {
            try await client.send(message)
            let acceptedAt = Date()
            metrics.smtpSendOK.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
            metrics.mailsSent.increment()
            await markSent(mail.key, at: acceptedAt, stop: stop, logger: logger)
            return nil
        } catch {
            metrics.smtpSendError.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - started))
            let smtpError = error as? SMTPError
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

    /// Marks a mail sent, retrying while PostgreSQL is unavailable: an unmarked row would be sent twice.
    private func markSent(_ key: OutboxMail.Key, at acceptedAt: Date, stop: NotificacionesStopLatch, logger: Logger) async {
        var attempt = 0
        while true {
            do {
                try await outbox.markSent(key, at: acceptedAt)
                return
            } catch {
                attempt += 1
                // After a stop request, a few last tries (the pool is still open), then give up.
                if stop.isTriggered && attempt > 3 {
                    logger.error("mail worker: sent, but could not mark it sent; it will be sent again after its lease",
                                 metadata: ["mail": "\(key)", "error": "\(error)"])
                    return
                }
                if attempt == 1 || attempt % 20 == 0 {
                    logger.warning("mail worker: could not mark a sent mail; retrying", metadata: ["mail": "\(key)", "error": "\(error)"])
                }
                let delay = TransitionRecorder.backoff(attempt: attempt, initial: .milliseconds(100), maximum: .seconds(2))
                if stop.isTriggered { try? await Task.sleep(for: delay) } else { await stop.sleep(for: delay) }
            }
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let components = duration.components
        return components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
