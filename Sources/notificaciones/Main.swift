import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NotificacionesService
import PedidosServiceKit

/// notificaciones: records every order transition from Kafka in PostgreSQL, mails the customer, and
/// answers `GET /pedidos/:id` and `GET /pedidos/:id/historial`.
@main
struct NotificacionesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notificaciones",
        abstract: "Registra las transiciones de los pedidos, envía un correo por cada una y responde consultas HTTP.",
        discussion: "La configuración se lee del entorno (KAFKA_BROKERS, DATABASE_URL, SMTP_URL, NOTIFICACIONES_PORT, ...).")

    @Option(name: .long, help: "Puerto HTTP (reemplaza a NOTIFICACIONES_PORT; por defecto 8081).")
    var port: Int?

    @Option(name: .long, help: "Dirección en la que escucha el servidor HTTP (reemplaza a NOTIFICACIONES_HOST; por defecto 127.0.0.1).")
    var hostname: String?

    func run() async throws {
        var values = ProcessInfo.processInfo.environment
        if let port { values["NOTIFICACIONES_PORT"] = String(port) }
        if let hostname { values["NOTIFICACIONES_HOST"] = hostname }
        let environment = ServiceEnvironment(values)
        Observability.bootstrap(logLevel: environment.logLevel)
        var logger = Logger(label: "pedidos.notificaciones")
        logger.logLevel = environment.logLevel
        let app = try await buildNotificacionesApplication(environment: environment, logger: logger)
        try await app.runService()
    }
}
