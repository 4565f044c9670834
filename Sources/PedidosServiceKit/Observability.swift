import Logging
import Metrics
import Prometheus
import Synchronization

/// Process-wide logging and metrics set-up (both systems can be bootstrapped only once per process).
public enum Observability {
    private static let bootstrapped = Mutex(false)

    /// The registry every metric of this process is exported from (`GET /metrics`).
    public static let registry = PrometheusCollectorRegistry()

    /// Installs a stream log handler at `level` and the Prometheus metrics backend. Idempotent.
    public static func bootstrap(logLevel: Logger.Level) {
        let first = bootstrapped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// Bootstraps only the metrics backend (for tests, which keep their own logging).
    public static func bootstrapMetricsOnly() {
        let first = bootstrapped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// The Prometheus text exposition of every metric.
    public static func prometheusText() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
