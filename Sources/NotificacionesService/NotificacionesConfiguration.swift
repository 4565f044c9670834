import Foundation
import PedidosDomain
import PedidosKafka
import PedidosPostgres
import PedidosSMTP
import PedidosServiceKit

/// Everything the notificaciones service reads from the environment, validated once at start-up.
///
/// | Variable | Default | Meaning |
/// |---|---|---|
/// | `NOTIFICACIONES_HOST` | `127.0.0.1` | address the HTTP server binds to |
/// | `NOTIFICACIONES_PORT` | `8081` | HTTP port (`--port` overrides it; `0` picks a free port) |
/// | `NOTIFICACIONES_DB_POOL_SIZE` | `10` (or `pool_size` in `DATABASE_URL`) | PostgreSQL connections |
/// | `NOTIFICACIONES_BATCH_SIZE` | `500` | most Kafka messages recorded in one PostgreSQL transaction |
/// | `NOTIFICACIONES_PIPELINE_DEPTH` | `2` | recorder transactions that may run at the same time |
/// | `NOTIFICACIONES_SMTP_CONNECTIONS` | `8` | SMTP connections (outbox lanes) sending in parallel |
/// | `NOTIFICACIONES_OUTBOX_BATCH` | `16` | most mails one lane takes at a time; the lanes share their claims, each claim statement asks for lanes × this; a lane marks its take `sending` in one commit |
/// | `NOTIFICACIONES_OUTBOX_MARK_LEAD` | a quarter of `NOTIFICACIONES_OUTBOX_BATCH` (4), at least 1 | mails before the end of a take at which a lane starts its next take's `sending` commit; a crash leaves at most the batch plus this many mails per lane `sending` (1 in the strict mode) |
/// | `NOTIFICACIONES_OUTBOX_MARK_FLUSHES` | `2` | group-committed `sending`/`sent` mark statements in flight (at least the lanes: one commit per lane and mail, no grouping) |
/// | `NOTIFICACIONES_OUTBOX_POLL` | `1s` | fallback poll of the outbox when nobody signalled new rows |
/// | `NOTIFICACIONES_MAIL_MAX_BACKOFF` | `5s` | longest wait before a transiently failed mail is retried |
/// | `NOTIFICACIONES_KAFKA_FETCH_WAIT` | `250ms` | the recorder's `fetch.wait.max.ms` (see ``BrokerLoadSettings``) |
/// | `NOTIFICACIONES_KAFKA_LINGER` | `5ms` | the producer's `linger.ms` (dead letters, the reconciler's re-published states) |
/// | `NOTIFICACIONES_METRICS_INTERVAL` | `5s` | refresh period of the consumer-lag and pending-mail gauges |
/// | `NOTIFICACIONES_CORREO_REENVIOS` | `2` | times a mail whose hand-over was interrupted (a broken connection after the end of data, or a crash while it was `sending`) is sent again (same Message-ID); `0`: never (it stays `uncertain`), and each `sending` commit then marks one mail instead of a lane's take, so a crash leaves at most two per lane |
/// | `NOTIFICACIONES_RECONCILIADOR*` | | see ``ReconcilerSettings`` |
///
/// Plus the shared ones read through ``ServiceEnvironment`` (`KAFKA_*`, `DATABASE_URL`, `MIGRATIONS_DIR`,
/// `PEDIDOS_TOPIC_PREFIX`, `LOG_LEVEL`) and `SMTP_*` (see ``SMTPConfiguration/fromEnvironment(_:)``).
public struct NotificacionesConfiguration: Sendable {
    /// Address the HTTP server binds to.
    public var host: String
    /// HTTP port.
    public var port: Int
    /// Topic and consumer-group names.
    public var topics: PedidoTopics
    /// Brokers and client profile.
    public var kafka: KafkaConfiguration
    /// Partitions of each state topic when this service creates it.
    public var partitions: Int
    /// PostgreSQL connection settings.
    public var postgres: PostgresConfiguration
    /// Directory of the SQL migrations applied at start-up.
    public var migrationsDirectory: URL
    /// SMTP server, credentials and sender.
    public var smtp: SMTPConfiguration
    /// Most messages recorded in one transaction.
    public var recorderBatchSize: Int
    /// Recorder transactions that may run at the same time.
    public var recorderPipelineDepth: Int
    /// Outbox lanes, each with its own SMTP connection.
    public var smtpConnections: Int
    /// Rows one lane claims at a time.
    public var outboxBatchSize: Int
    /// Group-committed mark statements of the outbox in flight at the same time.
    public var outboxMarkFlushes: Int
    /// Mails before the end of a take at which a lane starts its next `sending` commit (`nil`: a quarter of the take).
    public var outboxMarkLead: Int?
    /// Fallback poll interval of the outbox worker.
    public var outboxPollInterval: Duration
    /// Cap of the exponential retry delay of a mail.
    public var mailMaxBackoff: Duration
    /// Refresh period of the gauges.
    public var metricsInterval: Duration
    /// Times an interrupted hand-over is sent again with the same Message-ID (0: never; see migration 003).
    public var uncertainMailResends: Int
    /// The reconciler's schedule and bounds.
    public var reconciler: ReconcilerSettings
    /// The producer's linger and the recorder's fetch wait.
    public var brokerLoad: BrokerLoadSettings

    /// Reads and validates the configuration.
    /// - Throws: ``ConfigurationError`` naming the variable, `SMTPError` or `PostgresError` for unusable values.
    public init(environment: ServiceEnvironment) throws {
        host = environment["NOTIFICACIONES_HOST"] ?? "127.0.0.1"
        port = try environment.port("NOTIFICACIONES_PORT", default: 8081)
        topics = environment.topics
        kafka = try environment.kafka(clientID: "notificaciones")
        partitions = try environment.partitions
        var postgres = try PostgresConfiguration(url: environment.databaseURL)
        if let size = try environment.positiveInteger("NOTIFICACIONES_DB_POOL_SIZE") {
            postgres.poolSize = size
        } else if !environment.databaseURL.contains("pool_size=") {
            postgres.poolSize = 10
        }
        postgres.applicationName = "notificaciones"
        self.postgres = postgres
        migrationsDirectory = environment.migrationsDirectory
        smtp = try SMTPConfiguration.fromEnvironment(environment.values)
        recorderBatchSize = try environment.positiveInteger("NOTIFICACIONES_BATCH_SIZE", default: 500)
        guard recorderBatchSize <= 5000 else { throw ConfigurationError("NOTIFICACIONES_BATCH_SIZE must be at most 5000") }
        recorderPipelineDepth = try environment.positiveInteger("NOTIFICACIONES_PIPELINE_DEPTH", default: 2)
        smtpConnections = try environment.positiveInteger("NOTIFICACIONES_SMTP_CONNECTIONS", default: 8)
        outboxBatchSize = try environment.positiveInteger("NOTIFICACIONES_OUTBOX_BATCH", default: 16)
        outboxMarkFlushes = try environment.positiveInteger("NOTIFICACIONES_OUTBOX_MARK_FLUSHES",
                                                            default: PostgresMailOutboxRepository.defaultMaxConcurrentMarks)
        outboxMarkLead = try environment.positiveInteger("NOTIFICACIONES_OUTBOX_MARK_LEAD")
        outboxPollInterval = try environment.duration("NOTIFICACIONES_OUTBOX_POLL", default: .seconds(1))
        mailMaxBackoff = try environment.duration("NOTIFICACIONES_MAIL_MAX_BACKOFF", default: .seconds(5))
        metricsInterval = try environment.duration("NOTIFICACIONES_METRICS_INTERVAL", default: .seconds(5))
        if let text = environment["NOTIFICACIONES_CORREO_REENVIOS"] {
            guard let value = Int(text), value >= 0 else {
                throw ConfigurationError("NOTIFICACIONES_CORREO_REENVIOS=\(text) is not a non-negative integer")
            }
            uncertainMailResends = value
        } else {
            uncertainMailResends = PostgresMailOutboxRepository.defaultUncertainResends
        }
        reconciler = try ReconcilerSettings(environment: environment)
        brokerLoad = try BrokerLoadSettings(environment: environment, service: "NOTIFICACIONES",
                                            linger: .milliseconds(5), fetchWait: .milliseconds(250))
    }

    /// The domain of the sender address (`SMTP_FROM`), used on the right of every Message-ID.
    public var mailDomain: String {
        let domain = smtp.from.address.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        return domain.isEmpty ? "pedidos.invalid" : domain
    }
}
