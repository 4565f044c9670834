import Foundation
import Hummingbird
import Logging
import PedidosDomain
import PedidosKafka
import PedidosServiceKit
import PedidosSupport
import ServiceLifecycle

/// Builds the procesamiento process: one ``ProcessingStage`` per requested state (all three by default),
/// each with its own producer (idempotent on a real cluster; see
/// ``makeProcessingStages(_:delay:topics:kafka:brokerLoad:queueCapacityPerPartition:longWait:statePartitions:logger:)``),
/// the topic guard, and a small HTTP server for `/health`, `/ready`, `/metrics` and `/asignacion` (owned
/// partitions, paused partitions and lag per stage, as JSON).
///
/// Environment: everything in ``ServiceEnvironment`` plus
///
/// | Variable | Default | Meaning |
/// |---|---|---|
/// | `PROCESAMIENTO_PORT` | `8082` | HTTP port |
/// | `PROCESAMIENTO_COLA_MAXIMA` | `5000` | records one partition keeps in memory (its memory bound) |
/// | `PROCESAMIENTO_PAUSA_LARGA` | `30s` | a partition whose newest record is due this far ahead is paused until shortly before it is due, even when memory would suffice (``PausePolicy``) |
/// | `PROCESAMIENTO_KAFKA_LINGER` | `200ms` | the producer's `linger.ms` (records of a partition within it go as one batch: one object in the broker) |
/// | `PROCESAMIENTO_KAFKA_FETCH_WAIT` | `200ms` | the stages' `fetch.wait.max.ms` (see ``BrokerLoadSettings``) |
public func buildProcesamientoApplication(
    environment: ServiceEnvironment,
    stages requested: [Estado]? = nil,
    port: Int? = nil,
    logger: Logger
) async throws -> some ApplicationProtocol {
    let estados = requested ?? Estado.processingStages
    let kafka = try environment.kafka(clientID: "procesamiento")
    let topics = environment.topics
    // Fewer, larger batches and fewer fetches: the embedded broker's work grows with both (BrokerLoadSettings).
    let brokerLoad = try BrokerLoadSettings(environment: environment, service: "PROCESAMIENTO",
                                            linger: .milliseconds(200), fetchWait: .milliseconds(200))
    let topicGuard = try TopicGuard(configuration: kafka, topics: topics, partitions: environment.partitions, logger: logger)
    try await topicGuard.ensureTopics()
    let capacity = try environment.positiveInteger("PROCESAMIENTO_COLA_MAXIMA", default: 5_000)
    let longWait = try environment.duration("PROCESAMIENTO_PAUSA_LARGA", default: .seconds(30))
    let stages = try makeProcessingStages(estados, delay: environment.delay(for:), topics: topics, kafka: kafka,
                                          brokerLoad: brokerLoad, queueCapacityPerPartition: capacity,
                                          longWait: longWait, statePartitions: environment.partitions, logger: logger)
    let producers = stages.map(\.producer)

    let router = Router()
    router.add(middleware: MetricsMiddleware())
    OperationalRoutes<BasicRequestContext>(service: "procesamiento", checks: [
        ("kafka", { for producer in producers { _ = try await producer.checkConnection(timeout: .seconds(2)) } }),
        ("consumidores", { try ConsumerReadiness.check(stages.map(\.consumer)) }),
    ]).register(on: router)
    router.get("asignacion") { _, _ in
        var entries: [JSONValue] = []
        for stage in stages {
            let lag = (try? await stage.lag()) ?? [:]
            let paused = stage.pausedPartitions
            let partitions = stage.assignment.sorted().map { partition -> JSONValue in
                .object([
                    ("particion", .number(String(partition.partition))),
                    ("pausada", .bool(paused.contains(partition))),
                    ("lag", lag[partition].map { .number(String($0)) } ?? .null),
                ])
            }
            entries.append(.object([
                ("estado", .string(stage.estado.rawValue)),
                ("topico", .string(topics.topic(for: stage.estado))),
                ("demora_ms", .number(String(Int64(stage.delay.seconds * 1000)))),
                ("particiones", .array(partitions)),
            ]))
        }
        return JSONResponse(body: .object([("pid", .number(String(ProcessInfo.processInfo.processIdentifier))),
                                           ("etapas", .array(entries))]))
    }

    let listenPort = try port ?? environment.port("PROCESAMIENTO_PORT", default: 8082)
    // Order matters for shutdown (reverse order): the HTTP server stops first, then the stages stop
    // consuming and commit, then the producers flush, and the topic guard goes last.
    var services: [any Service] = [topicGuard]
    services.append(contentsOf: producers.map { $0 as any Service })
    services.append(contentsOf: stages.map { $0 as any Service })
    return Application(
        router: router,
        server: .http1OnConnectionLoop(),
        configuration: .init(address: .hostname("127.0.0.1", port: listenPort), serverName: "procesamiento"),
        services: services,
        logger: logger)
}

/// One ``ProcessingStage`` per state of `estados`, each publishing through a ``KafkaProducer`` of its own.
///
/// Why not one producer for all: on the embedded broker a producer keeps one Produce request in flight on
/// its connection (``KafkaProfile/producerProperties``), so with a shared producer every stage's transitions
/// waited behind the other stages' acknowledgements. At 500 orders/s with N = 1 s that made some records
/// reach the next stage more than N after their timestamp, hence late (docs/rendimiento.md §1).
///
/// A record not acknowledged within 10 s fails (and the stage retries it): after the embedded broker
/// restarted empty, the idempotent handle's records time out until the handle is replaced, so this bounds
/// how long the pipeline stays stalled (librdkafka's 30 s made recovery take ~30 s).
func makeProcessingStages(_ estados: [Estado], delay: (Estado) throws -> Duration, topics: PedidoTopics,
                          kafka: KafkaConfiguration, brokerLoad: BrokerLoadSettings, queueCapacityPerPartition: Int,
                          longWait: Duration, statePartitions: Int, logger: Logger) throws -> [ProcessingStage] {
    let producerProperties = brokerLoad.producerProperties.merging(["message.timeout.ms": "10000"]) { _, new in new }
    return try estados.map { estado in
        let producer = try KafkaProducer(configuration: kafka, properties: producerProperties, logger: logger)
        return try ProcessingStage(estado: estado, delay: delay(estado), topics: topics, kafka: kafka, producer: producer,
                                   queueCapacityPerPartition: queueCapacityPerPartition, longWait: longWait,
                                   consumerProperties: brokerLoad.consumerProperties, statePartitions: statePartitions,
                                   logger: logger)
    }
}
