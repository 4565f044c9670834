import Hummingbird
import Logging
import PedidosKafka
import PedidosPostgres
import PedidosServiceKit

/// Builds the solicitudes service: `POST /pedidos` plus `/health`, `/ready` and `/metrics`.
///
/// Environment (besides what ``ServiceEnvironment`` documents: `KAFKA_BROKERS`, `KAFKA_PROFILE`,
/// `KAFKA_PARTITIONS`, `DATABASE_URL`, `MIGRATIONS_DIR`, `PEDIDOS_TOPIC_PREFIX`, `LOG_LEVEL`):
///
/// | Variable | Default | Meaning |
/// |---|---|---|
/// | `SOLICITUDES_PORT` | `8080` | HTTP port |
/// | `SOLICITUDES_HOST` | `127.0.0.1` | address to bind (`0.0.0.0` in containers) |
/// | `SOLICITUDES_REGISTRO_ESCRITURAS` | `2` | batched journal writes in flight at the same time (fewer: bigger batches, fewer commits) |
/// | `SOLICITUDES_PARTICION_VENTANA` | `100ms` | orders published within one such window share a `recibido` partition, the next window takes the next one (``RecibidoPartitionWindow``); `0`: by key hash |
/// | `SOLICITUDES_REGISTRO_ACEPTADOS` | `1` | `0` skips the journal of accepted orders (only to measure its cost: an order the broker forgets is then lost) |
///
/// Every order is recorded in `accepted_orders` (``PostgresAcceptedOrderJournal``) as well as published,
/// and answered `202` only when both succeeded (``OrderAcceptance``); PostgreSQL down means `503`.
///
/// Before the server accepts requests it applies the migrations, creates the state topics and reserves
/// the first block of order ids; if any of that fails, running the application fails. The services
/// shut down in reverse order on SIGTERM/SIGINT: the HTTP server stops taking requests and finishes the
/// ones in flight, then the topic guard stops, the PostgreSQL pool closes, and the producer flushes last.
public func buildSolicitudesApplication(
    environment: ServiceEnvironment = ServiceEnvironment(),
    logger: Logger
) async throws -> some ApplicationProtocol {
    let topics = environment.topics
    let partitions = try environment.partitions
    let port = try environment.port("SOLICITUDES_PORT", default: 8080)
    let host = environment["SOLICITUDES_HOST"] ?? "127.0.0.1"

    let kafka = try environment.kafka(clientID: "solicitudes")
    // librdkafka gives up on a record after 3.5 s and the publisher at 4 s whatever the producer is doing
    // (its deadline sweep), so an unreachable broker is a 503 within 5 s, with margin. Each
    // request waits for its own record's acknowledgement: no linger (records queued while a request to
    // the broker is in flight still go out together in the next one).
    let producer = try KafkaProducer(configuration: kafka, properties: ["message.timeout.ms": "3500", "linger.ms": "0"],
                                     logger: logger)
    let topicGuard = try TopicGuard(configuration: kafka, topics: topics, partitions: partitions, logger: logger)

    var database = try PostgresConfiguration(url: environment.databaseURL)
    // A block is needed once per 1000 orders; when PostgreSQL is down, fail fast (503) rather than queue.
    database.connectTimeout = .seconds(2)
    database.acquireTimeout = .seconds(2)
    database.applicationName = "solicitudes"
    let pool = PostgresPool(configuration: database, logger: logger)
    let allocator = BlockPedidoIDAllocator(source: PostgresPedidoIDBlockSource(pool: pool), logger: logger)
    // recibido's partition by time window (see RecibidoPartitionWindow, docs/rendimiento.md §7); `0`: by key hash.
    let partitionWindow: RecibidoPartitionWindow?
    if environment["SOLICITUDES_PARTICION_VENTANA"] == "0" {
        partitionWindow = nil
    } else {
        let window = try environment.duration("SOLICITUDES_PARTICION_VENTANA", default: .milliseconds(100))
        partitionWindow = RecibidoPartitionWindow(partitions: partitions, window: window)
    }
    let publisher = KafkaPedidoPublisher(producer: producer, topics: topics, partitionWindow: partitionWindow)
    // Every accepted order is also recorded in PostgreSQL (group-committed, alongside the publication).
    let journal: PostgresAcceptedOrderJournal? = environment["SOLICITUDES_REGISTRO_ACEPTADOS"] == "0" ? nil
        : PostgresAcceptedOrderJournal(pool: pool, topicPrefix: topics.prefix,
                                       maxConcurrentWrites: try environment.positiveInteger("SOLICITUDES_REGISTRO_ESCRITURAS", default: 2),
                                       logger: logger)
    if journal == nil { logger.warning("SOLICITUDES_REGISTRO_ACEPTADOS=0: accepted orders are not journaled; the reconciler cannot re-drive them") }

    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: ProblemMiddleware(openAPI: OpenAPIDocuments.solicitudes))
    OpenAPIRoute.register(on: router, document: OpenAPIDocuments.solicitudes)
    OperationalRoutes<BasicRequestContext>(service: "solicitudes", checks: [
        ("kafka", { _ = try await producer.checkConnection(timeout: .seconds(2)) }),
        ("postgresql", { try await pool.ping() }),
    ]).register(on: router)
    let controller = SolicitudesController<BasicRequestContext>(allocator: allocator, publisher: publisher,
                                                               journal: journal, logger: logger)
    router.addRoutes(controller.routes, atPath: "pedidos")

    var app = Application(
        router: router,
        server: .http1OnConnectionLoop(),
        configuration: .init(address: .hostname(host, port: port), serverName: "solicitudes"),
        // Shut down in reverse: topic guard, then the pool, then the producer flushes last.
        services: [producer, SolicitudesDatabaseService(pool: pool), topicGuard],
        logger: logger)
    let migrations = MigrationRunner(pool: pool, directory: environment.migrationsDirectory, logger: logger)
    app.beforeServerStarts {
        try await migrations.run()
        try await topicGuard.ensureTopics()
        if let partitionWindow, let found = try await topicGuard.partitionCount(of: topics.topic(for: .recibido)) {
            partitionWindow.use(partitions: found)
        }
        try await allocator.prefetch()
        logger.info("solicitudes ready", metadata: [
            "port": "\(port)", "topic": "\(topics.topic(for: .recibido))", "partitions": "\(partitions)",
        ])
    }
    return app
}
