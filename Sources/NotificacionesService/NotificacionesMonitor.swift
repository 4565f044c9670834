import Logging
import PedidosKafka
import ServiceLifecycle
import Synchronization

/// Refreshes the gauges that need a question asked: consumer lag per partition (from
/// ``KafkaConsumer/queryLag(timeout:)``, which asks each partition's leader) and pending mails.
///
/// Each refresh runs in a task of its own and a new one starts only when the previous one finished, so a
/// broker or database that does not answer (the lag query blocks up to its timeout per partition)
/// neither piles up queries nor delays the graceful shutdown. Registered after the
/// ``TransitionRecorder`` so that it stops first (services stop in reverse order).
public struct NotificacionesMonitor: Service {
    let consumer: KafkaConsumer
    let outbox: any MailOutboxRepository
    let metrics: NotificacionesMetrics
    let interval: Duration
    let logger: Logger

    public init(consumer: KafkaConsumer, outbox: any MailOutboxRepository, metrics: NotificacionesMetrics,
                interval: Duration = .seconds(5), logger: Logger) {
        self.consumer = consumer
        self.outbox = outbox
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let refreshing = RefreshInFlight()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if refreshing.flag.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged {
                    let monitor = self
                    Task {
                        await monitor.refresh()
                        refreshing.flag.store(false, ordering: .releasing)
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Reads both gauges once.
    func refresh() async {
        do {
            metrics.updateLag(try await consumer.queryLag(timeout: .seconds(1)))
        } catch {
            logger.debug("monitor: consumer lag unavailable", metadata: ["error": "\(error)"])
        }
        do {
            metrics.mailsPending.record(try await outbox.pendingCount())
        } catch {
            logger.debug("monitor: pending mail count unavailable", metadata: ["error": "\(error)"])
        }
    }
}

/// Whether a refresh is running (shared with the refresh task).
private final class RefreshInFlight: Sendable {
    let flag = Atomic<Bool>(false)
}
