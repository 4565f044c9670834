import Foundation
import Hummingbird
import Logging
import PedidosKafka
import PedidosPostgres
import PedidosSMTP
import PedidosServiceKit
import PedidosSupport
import ServiceLifecycle

/// Builds the notificaciones service: applies the migrations, creates the state topics, and returns a
/// Hummingbird application whose service group runs
///
/// 1. ``NotificacionesPoolService`` (closes the PostgreSQL pool, last),
/// 2. ``TopicGuard`` (re-creates the topics if the broker loses them),
/// 3. ``MailOutboxWorker`` (sends the outbox over SMTP),
/// 4. ``TransitionRecorder`` (Kafka → PostgreSQL),
/// 5. ``NotificacionesMonitor`` (lag and pending-mail gauges),
/// 6. ``OrderReconciler`` (re-drives stuck orders; `NOTIFICACIONES_RECONCILIADOR=0` leaves it out) and the
///    producer it publishes with,
///
/// plus the HTTP server: `GET /pedidos/:id`, `GET /pedidos/:id/historial`, `/health`, `/ready`, `/metrics`.
/// On SIGTERM/SIGINT they stop in reverse order: the server, the monitor, the recorder (finishes its
/// batch, commits offsets, leaves the group), the mail worker (finishes its sends), then the pool.
///
/// - Parameters:
///   - environment: see ``NotificacionesConfiguration`` for the variables read.
///   - logger: the service's logger (its level is kept).
/// - Throws: configuration errors, or the failure to reach PostgreSQL (migrations) or Kafka (topics).
public func buildNotificacionesApplication(
    environment: ServiceEnvironment = ServiceEnvironment(),
    logger: Logger
) async throws -> some ApplicationProtocol {
    let configuration = try NotificacionesConfiguration(environment: environment)
    return try await buildNotificacionesApplication(configuration: configuration, logger: logger)
}

/// Builds the service from an explicit configuration (see ``buildNotificacionesApplication(environment:logger:)``).
public func buildNotificacionesApplication(
    configuration: NotificacionesConfiguration,
    logger: Logger
) async throws -> some ApplicationProtocol {
    let topics = configuration.topics
    let pool = PostgresPool(configuration: configuration.postgres, logger: logger)
    do {
        let applied = try await MigrationRunner(pool: pool, directory: configuration.migrationsDirectory, logger: logger).run()
        if !applied.isEmpty { logger.info("notificaciones: migrations applied", metadata: ["versions": "\(applied)"]) }

        let topicGuard = try TopicGuard(configuration: configuration.kafka, topics: topics,
                                        partitions: configuration.partitions, logger: logger)
        try await topicGuard.ensureTopics()
        let consumer = try KafkaConsumer(configuration: configuration.kafka, groupID: topics.notificationsGroup,
                                         topics: topics.all, properties: configuration.brokerLoad.consumerProperties,
                                         logger: logger)
        let admin = try KafkaAdmin(configuration: configuration.kafka, logger: logger)
        // For dead letters (records that are not valid orders) and the reconciler's re-published states.
        let producer = try KafkaProducer(configuration: configuration.kafka,
                                         properties: configuration.brokerLoad.producerProperties
                                            .merging(["message.timeout.ms": "4500"]) { _, new in new }, logger: logger)
        let clients = try (0..<configuration.smtpConnections).map { _ in
            try SMTPClient(configuration: configuration.smtp, logger: logger)
        }

        let metrics = NotificacionesMetrics(topics: topics)
        let signal = WakeSignal()
        let outbox = PostgresMailOutboxRepository(pool: pool, uncertainResends: configuration.uncertainMailResends,
                                                  maxConcurrentMarks: configuration.outboxMarkFlushes)
        let recorder = TransitionRecorder(
            consumer: consumer, topics: topics,
            store: PostgresTransitionStore(pool: pool, mailDomain: configuration.mailDomain),
            outboxSignal: signal, metrics: metrics,
            deadLetters: DeadLetterPublisher(producer: producer, topics: topics, group: topics.notificationsGroup, logger: logger),
            settings: .init(maxBatchSize: configuration.recorderBatchSize,
                            bufferCapacity: max(2000, configuration.recorderBatchSize * 4),
                            pipelineDepth: configuration.recorderPipelineDepth),
            logger: logger)
        let worker = MailOutboxWorker(
            outbox: outbox, clients: clients, sender: configuration.smtp.from, signal: signal, metrics: metrics,
            // Strict mode: the mails a crash leaves `sending` are never sent again, so each commit marks one
            // (and no commit starts more than one mail ahead: two per lane at most).
            settings: .init(batchSize: configuration.outboxBatchSize, pollInterval: configuration.outboxPollInterval,
                            maxBackoff: configuration.mailMaxBackoff, sendTimeout: configuration.smtp.totalTimeout,
                            mailsPerMark: configuration.uncertainMailResends == 0 ? 1 : nil,
                            markLead: configuration.outboxMarkLead),
            logger: logger)
        let monitor = NotificacionesMonitor(consumer: consumer, outbox: outbox, metrics: metrics,
                                            interval: configuration.metricsInterval, logger: logger)

        var reconcilerServices: [any Service] = []
        var checks: [(name: String, check: OperationalRoutes<BasicRequestContext>.ReadinessCheck)] = [
            (name: "postgresql", check: { try await pool.ping() }),
            (name: "kafka", check: { _ = try await admin.partitionCounts(timeout: .seconds(2)) }),
            (name: "consumidor", check: { try ConsumerReadiness.check([consumer]) }),
        ]
        if configuration.reconciler.enabled {
            let reconciler = OrderReconciler(
                finder: PostgresStuckOrderFinder(pool: pool, topicPrefix: topics.prefix), producer: producer,
                topics: topics, settings: configuration.reconciler, logger: logger)
            reconcilerServices = [reconciler]
            let status = reconciler.status
            checks.append((name: "reconciliador", check: { try status.check() }))
        }

        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: ProblemMiddleware(openAPI: OpenAPIDocuments.notificaciones))
        OpenAPIRoute.register(on: router, document: OpenAPIDocuments.notificaciones)
        OperationalRoutes<BasicRequestContext>(service: "notificaciones", checks: checks).register(on: router)
        PedidoController<BasicRequestContext>(repository: PostgresPedidoRepository(pool: pool))
            .addRoutes(to: router.group("pedidos"))

        logger.info("notificaciones: ready to start", metadata: [
            "topics": "\(topics.all)", "group": "\(topics.notificationsGroup)", "smtp": "\(configuration.smtp)",
            "port": "\(configuration.port)",
        ])
        return Application(
            router: router,
            server: .http1OnConnectionLoop(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "notificaciones"),
            // Shutdown runs in reverse: the reconciler stops first, ..., the producer flushes, the pool closes last.
            services: [NotificacionesPoolService(pool: pool), topicGuard, producer, worker, recorder, monitor] + reconcilerServices,
            logger: logger)
    } catch {
        await pool.close()
        throw error
    }
}
