import ArgumentParser
import Hummingbird
import Logging
import PedidosDomain
import PedidosServiceKit
import ProcesamientoService

/// procesamiento: moves orders recibido → preparando → entregando → finalizado, N per state.
@main
struct Procesamiento: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Worker de procesamiento de pedidos (una etapa por tópico de estado).",
        discussion: "Configuración por entorno: KAFKA_BROKERS, KAFKA_PROFILE, KAFKA_PARTITIONS, PEDIDOS_DELAY (p. ej. 5s, 250ms), PEDIDOS_DELAY_<ESTADO>, PROCESAMIENTO_PORT, LOG_LEVEL.")

    @Option(name: .long, help: "Etapa a ejecutar: recibido, preparando o entregando (por defecto, las tres). Repetible.")
    var estado: [String] = []

    @Option(name: .long, help: "Puerto HTTP de /health, /ready, /metrics y /asignacion (por defecto PROCESAMIENTO_PORT u 8082).")
    var port: Int?

    func run() async throws {
        let environment = ServiceEnvironment()
        Observability.bootstrap(logLevel: environment.logLevel)
        let logger = Logger(label: "pedidos.procesamiento")
        var stages: [Estado]?
        if !estado.isEmpty {
            stages = try estado.map { name in
                guard let value = Estado(rawValue: name), value.next != nil else {
                    throw ValidationError("--estado \(name): debe ser recibido, preparando o entregando")
                }
                return value
            }
        }
        let app = try await buildProcesamientoApplication(environment: environment, stages: stages, port: port, logger: logger)
        try await app.runService()
    }
}
