import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PedidosServiceKit
import SolicitudesService

/// The solicitudes service: receives orders over HTTP and publishes them to Kafka.
@main
struct SolicitudesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solicitudes",
        abstract: "Recibe pedidos por HTTP (POST /pedidos) y los publica en Kafka.",
        discussion: """
            La configuración se lee del entorno: SOLICITUDES_PORT, SOLICITUDES_HOST, KAFKA_BROKERS, \
            KAFKA_PROFILE, KAFKA_PARTITIONS, SOLICITUDES_PARTICION_VENTANA, SOLICITUDES_REGISTRO_ESCRITURAS, \
            DATABASE_URL, MIGRATIONS_DIR, PEDIDOS_TOPIC_PREFIX, LOG_LEVEL.
            """)

    @Option(name: .long, help: "Puerto HTTP (reemplaza SOLICITUDES_PORT; por defecto 8080).")
    var port: Int?

    func validate() throws {
        if let port, !(0...65535).contains(port) {
            throw ValidationError("--port debe estar entre 0 y 65535.")
        }
    }

    func run() async throws {
        var values = ProcessInfo.processInfo.environment
        if let port { values["SOLICITUDES_PORT"] = String(port) }
        let environment = ServiceEnvironment(values)
        Observability.bootstrap(logLevel: environment.logLevel)
        let logger = Logger(label: "pedidos.solicitudes")
        let app = try await buildSolicitudesApplication(environment: environment, logger: logger)
        try await app.runService()
    }
}
