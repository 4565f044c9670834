import Foundation
import PedidosPostgres

/// Settings of one load run (the `carga` command's flags).
public struct LoadRunOptions: Sendable {
    public var scenario: Scenario
    public var datasetPath: String
    /// The services' `PEDIDOS_DELAY` (N), in milliseconds: due times of the transitions.
    public var delayMs: Double
    public var connections: Int
    public var solicitudes: String
    /// notificaciones, for `GET /pedidos/<id>/historial` (used when no database URL is given).
    public var notificaciones: String
    /// procesamiento, for the lag on `/metrics` (optional).
    public var procesamiento: String?
    /// The SMTP server's JSON-lines store (optional: without it mails are not checked).
    public var smtpStore: String?
    /// Read transitions from PostgreSQL instead of HTTP (optional).
    public var databaseURL: String?
    /// How long to wait, after the last order was sent, for all of them to finish.
    public var deadlineSeconds: Double
    public var resultsDirectory: String

    public init(scenario: Scenario, datasetPath: String, delayMs: Double, connections: Int, solicitudes: String,
                notificaciones: String, procesamiento: String?, smtpStore: String?, databaseURL: String?,
                deadlineSeconds: Double, resultsDirectory: String) {
        self.scenario = scenario
        self.datasetPath = datasetPath
        self.delayMs = delayMs
        self.connections = connections
        self.solicitudes = solicitudes
        self.notificaciones = notificaciones
        self.procesamiento = procesamiento
        self.smtpStore = smtpStore
        self.databaseURL = databaseURL
        self.deadlineSeconds = deadlineSeconds
        self.resultsDirectory = resultsDirectory
    }
}

/// Runs a scenario end to end: send, read back, write the results.
public enum LoadRun {
    /// Outcome: whether nothing was lost, duplicated or left unmailed, and where the files are.
    public struct Outcome: Sendable {
        public let passed: Bool
        public let directory: String
        public let summaryLine: String
    }

    public static func run(_ options: LoadRunOptions) async throws -> Outcome {
        let dataset = try PedidoDataset(path: options.datasetPath)
        let solicitudes = try HTTPEndpoint(options.solicitudes)
        let notificaciones = try HTTPEndpoint(options.notificaciones)
        let procesamiento = try options.procesamiento.map(HTTPEndpoint.init)
        var pool: PostgresPool?
        if let url = options.databaseURL { pool = try PostgresPool(url: url) }
        defer { if let pool { Task { await pool.close() } } }
        let source: any TraceSource = pool.map { PostgresTraceSource(pool: $0) } ?? HistorialTraceSource(endpoint: notificaciones)
        let mailStore = options.smtpStore.map(MailStoreScanner.init)

        let clock = RunClock()
        let counters = LiveCounters()
        let monitor = Monitor(label: "\(options.scenario) \(dataset.name)", metrics: procesamiento, clock: clock,
                              counters: counters, total: options.scenario.total)
        let monitorTask = Task { await monitor.run() }
        let records = await LoadDriver(scenario: options.scenario, dataset: dataset, endpoint: solicitudes,
                                       connections: options.connections, clock: clock, counters: counters).run()
        monitor.enter("esperando")
        let collected = try await Collector(source: source, mailStore: mailStore, delayMs: options.delayMs,
                                            deadlineSeconds: options.deadlineSeconds, clock: clock, counters: counters).collect(records)
        monitorTask.cancel()
        await monitorTask.value

        var parameters: [String: Any] = [
            "demora_ms": options.delayMs, "conexiones": options.connections, "plazo_s": options.deadlineSeconds,
            "solicitudes": options.solicitudes, "lectura": pool == nil ? "GET /pedidos/<id>/historial" : "PostgreSQL",
            "correos_verificados": mailStore != nil, "filas_dataset": dataset.rows.count,
        ]
        switch options.scenario {
        case .sostenido(let rate, let duration): parameters["tasa"] = rate; parameters["duracion_s"] = duration
        case .rafaga(let count): parameters["cantidad"] = count
        }
        let report = RunReport(scenario: options.scenario, datasetName: dataset.name, parameters: parameters,
                               delayMs: options.delayMs, clock: clock, records: records, collected: collected,
                               lag: monitor.recorded, correoOfIndex: { dataset.row($0).correo })
        let stamp = Self.stamp(clock.wallStartMs)
        let directory = URL(fileURLWithPath: options.resultsDirectory)
            .appendingPathComponent("\(options.scenario)-\(dataset.name)-\(stamp)")
        try report.write(to: directory)
        let summary = report.summary()
        let latency = summary["latencia_post_ms"] as? [String: Any] ?? [:]
        let late = (summary["retraso_transicion_ms"] as? [String: Any])?["todas"] as? [String: Any] ?? [:]
        let line = "\(options.scenario) \(dataset.name): enviados=\(records.count) aceptados=\(summary["aceptados"]!) "
            + "aceptados/s=\(summary["aceptados_por_s"]!) POST p50=\(latency["p50"] ?? "-")ms p99=\(latency["p99"] ?? "-")ms "
            + "retraso p50=\(late["p50"] ?? "-")ms p99=\(late["p99"] ?? "-")ms finalizados=\(summary["finalizados"]!) "
            + "perdidos=\(report.lost) duplicados=\(report.duplicateRows + report.duplicateMails) "
            + "correos_faltantes=\(report.missingMails) -> \(directory.path)"
        return Outcome(passed: report.passed, directory: directory.path, summaryLine: line)
    }

    /// `20261127-083012` (local time) for folder names.
    static func stamp(_ wallMs: Double) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return formatter.string(from: Date(timeIntervalSince1970: wallMs / 1000))
    }
}
