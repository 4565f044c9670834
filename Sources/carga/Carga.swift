import ArgumentParser
import Foundation
import PedidosCarga
import PedidosServiceKit

/// `carga sostenido|rafaga`: load generator for pedidos (see scripts/carga.sh and docs/resultados-carga.md).
@main
struct Carga: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generador de carga para pedidos: envía pedidos de un dataset y verifica que todos terminen.",
        subcommands: [Sostenido.self, Rafaga.self, Precargar.self, Topico.self])
}

/// Flags shared by both scenarios.
struct CommonOptions: ParsableArguments {
    @Option(help: "CSV nombre,precio,correo (scripts/datasets.sh).") var dataset: String
    @Option(help: "N de los servicios (PEDIDOS_DELAY), p. ej. 1s o 200ms; solo para calcular retrasos.") var demora: String = "5s"
    @Option(help: "Conexiones keep-alive hacia solicitudes.") var conexiones: Int = 64
    @Option(help: "URL base de solicitudes.") var solicitudes: String = "http://127.0.0.1:8080"
    @Option(help: "URL base de notificaciones (historial).") var notificaciones: String = "http://127.0.0.1:8081"
    @Option(help: "URL base de procesamiento (lag en /metrics); vacío para no muestrear.") var procesamiento: String = "http://127.0.0.1:8082"
    @Option(name: .customLong("smtp-store"), help: "Almacén JSON-lines del servidor SMTP (scripts/smtp_server.py).") var smtpStore: String?
    @Option(name: .customLong("database-url"), help: "Leer las transiciones de PostgreSQL en vez de por HTTP.") var databaseURL: String?
    @Option(help: "Segundos de espera, tras el último envío, para que todos lleguen a finalizado.") var plazo: Double?
    @Option(help: "Carpeta de resultados.") var resultados: String = "resultados"

    func options(_ scenario: Scenario) throws -> LoadRunOptions {
        let delay = try DurationParsing.parse(demora)
        let delayMs = Double(delay.components.seconds) * 1000 + Double(delay.components.attoseconds) / 1e15
        return LoadRunOptions(
            scenario: scenario, datasetPath: dataset, delayMs: delayMs, connections: conexiones, solicitudes: solicitudes,
            notificaciones: notificaciones, procesamiento: procesamiento.isEmpty ? nil : procesamiento, smtpStore: smtpStore,
            databaseURL: databaseURL, deadlineSeconds: plazo ?? (3 * delayMs / 1000 + 60), resultsDirectory: resultados)
    }
}

/// Runs and exits non-zero when anything was lost, duplicated or not mailed.
func execute(_ options: LoadRunOptions) async throws {
    let outcome = try await LoadRun.run(options)
    print(outcome.summaryLine)
    if !outcome.passed {
        FileHandle.standardError.write(Data("carga: hubo pedidos perdidos, duplicados o sin correo (ver \(outcome.directory)/resumen.json)\n".utf8))
        throw ExitCode(1)
    }
}

struct Sostenido: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tasa constante R pedidos/s durante T s, en lazo abierto.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Pedidos por segundo.") var tasa: Double
    @Option(help: "Segundos.") var duracion: Double

    func run() async throws {
        guard tasa > 0, duracion > 0 else { throw ValidationError("--tasa y --duracion deben ser positivas") }
        try await execute(try common.options(.sostenido(rate: tasa, duration: duracion)))
    }
}

struct Rafaga: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "M pedidos liberados en el mismo instante.")
    @OptionGroup var common: CommonOptions
    @Option(help: "Cantidad de pedidos.") var cantidad: Int

    func run() async throws {
        guard cantidad > 0 else { throw ValidationError("--cantidad debe ser positiva") }
        try await execute(try common.options(.rafaga(count: cantidad)))
    }
}
