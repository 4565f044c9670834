import Foundation
import Histogram
import PedidosDomain

/// The results of one run: summary numbers (JSON) and the per-second and per-order CSVs.
struct RunReport {
    let scenario: Scenario
    let datasetName: String
    let parameters: [String: Any]
    let delayMs: Double
    let clock: RunClock
    let records: [RequestRecord]
    let collected: Collected
    let lag: [Monitor.Sample]
    let correoOfIndex: (Int) -> String

    /// Orders accepted but not `finalizado` by the deadline.
    var lost: Int { records.filter { $0.accepted && !(collected.traces[$0.orderID!]?.finalized ?? false) }.count }
    /// History rows beyond one per state.
    var duplicateRows: Int { collected.traces.values.reduce(0) { $0 + $1.rows.reduce(0) { $0 + max(0, $1 - 1) } } }
    /// Mails beyond one per state of an order.
    var duplicateMails: Int {
        collected.mails.values.reduce(0) { total, mails in
            total + Dictionary(grouping: mails, by: \.estado).values.reduce(0) { $0 + max(0, $1.count - 1) }
        }
    }
    var missingMails: Int {
        guard collected.mailsChecked else { return 0 }
        return records.filter(\.accepted).reduce(0) { total, record in
            total + (4 - Set((collected.mails[record.orderID!] ?? []).map(\.estado)).count)
        }
    }
    var wrongRecipients: Int {
        records.filter(\.accepted).reduce(0) { total, record in
            let correo = correoOfIndex(record.index)
            return total + (collected.mails[record.orderID!] ?? []).filter { $0.recipient.caseInsensitiveCompare(correo) != .orderedSame }.count
        }
    }
    var passed: Bool { lost == 0 && duplicateRows == 0 && duplicateMails == 0 && missingMails == 0 && wrongRecipients == 0 }

    // MARK: summary

    func summary() -> [String: Any] {
        let accepted = records.filter(\.accepted)
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
        for record in records where record.status != 0 { _ = histogram.record(UInt64(max(1, record.latencyNs / 1000))) }
        func ms(_ micros: UInt64) -> Double { round3(Double(micros) / 1000) }
        var errors: [String: Int] = [:]
        for record in records where !record.accepted { errors[record.status == 0 ? "conexion" : String(record.status), default: 0] += 1 }

        let sendSpan = Double((records.map(\.doneNs).max() ?? 0) - (records.map(\.scheduledNs).min() ?? 0)) / 1e9
        let finalMs = accepted.compactMap { collected.traces[$0.orderID!]?.enteredMs[Estado.finalizado.ordinal] }
        let finalSpan = ((finalMs.max() ?? 0) - (finalMs.min() ?? 0)) / 1000
        let firstToLast = ((finalMs.max() ?? 0) - clock.wallStartMs) / 1000

        var toState: [String: Any] = [:]
        for estado in Estado.allCases {
            toState[estado.rawValue] = Percentiles(accepted.compactMap { record in
                collected.traces[record.orderID!]?.enteredMs[estado.ordinal].map { $0 - clock.wallMs(record.scheduledNs) }
            }).json
        }
        var late: [String: Any] = [:]
        var all: [Double] = []
        for estado in Estado.allCases.dropFirst() {
            let values = accepted.compactMap { lateness(of: $0, entering: estado) }
            all += values
            late[estado.rawValue] = Percentiles(values).json
        }
        late["todas"] = Percentiles(all).json
        let lags = lag.compactMap(\.lag)

        return [
            "escenario": scenario.description,
            "dataset": datasetName,
            "inicio": ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: clock.wallStartMs / 1000)),
            "parametros": parameters,
            "enviados": records.count,
            "aceptados": accepted.count,
            "errores": errors,
            "duracion_envio_s": round3(sendSpan),
            "aceptados_por_s": round3(Double(accepted.count) / max(sendSpan, 1e-3)),
            "latencia_post_ms": [
                "n": Int(histogram.totalCount), "p50": ms(histogram.valueAtPercentile(50)), "p90": ms(histogram.valueAtPercentile(90)),
                "p99": ms(histogram.valueAtPercentile(99)), "p99_9": ms(histogram.valueAtPercentile(99.9)),
                "max": ms(histogram.max), "media": round3(histogram.mean / 1000),
            ] as [String: Any],
            "tiempo_a_estado_ms": toState,
            "retraso_transicion_ms": late,
            "finalizados": finalMs.count,
            "finalizados_por_s": round3(Double(finalMs.count) / max(finalSpan, 1e-3)),
            "finalizados_por_s_desde_inicio": round3(Double(finalMs.count) / max(firstToLast, 1e-3)),
            "perdidos": lost,
            "duplicados": ["historial": duplicateRows, "correos": duplicateMails],
            "correos": collected.mailsChecked ? [
                "recibidos": collected.mails.values.reduce(0) { $0 + $1.count }, "esperados": 4 * accepted.count,
                "faltantes": missingMails, "destinatario_erroneo": wrongRecipients,
            ] as [String: Any] : "no verificados (sin --smtp-store)",
            "lag_consumidor": lags.isEmpty ? "sin muestras" : ["max": lags.max()!, "final": lags.last!, "muestras": lags.count] as [String: Any],
            "ok": passed,
        ]
    }

    /// How late the order entered `estado` after it became due (previous state's entry + N), in ms.
    func lateness(of record: RequestRecord, entering estado: Estado) -> Double? {
        guard let trace = collected.traces[record.orderID!], let entered = trace.enteredMs[estado.ordinal],
              let previous = trace.enteredMs[estado.ordinal - 1] else { return nil }
        return entered - previous - delayMs
    }

    // MARK: files

    func write(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let json = try JSONSerialization.data(withJSONObject: summary(), options: [.prettyPrinted, .sortedKeys])
        try json.write(to: directory.appendingPathComponent("resumen.json"))
        try perSecond().write(to: directory.appendingPathComponent("por_segundo.csv"), atomically: true, encoding: .utf8)
        try perOrder().write(to: directory.appendingPathComponent("por_pedido.csv"), atomically: true, encoding: .utf8)
    }

    func perSecond() -> String {
        var sent: [Int: Int] = [:], accepted: [Int: Int] = [:], errors: [Int: Int] = [:], finalized: [Int: Int] = [:]
        var latencies: [Int: [Double]] = [:]
        var last = 0
        for record in records {
            let sentSecond = Int(record.sentNs / 1_000_000_000), doneSecond = Int(record.doneNs / 1_000_000_000)
            sent[sentSecond, default: 0] += 1
            if record.accepted { accepted[doneSecond, default: 0] += 1 } else { errors[doneSecond, default: 0] += 1 }
            if record.status != 0 { latencies[doneSecond, default: []].append(Double(record.latencyNs) / 1e6) }
            last = max(last, doneSecond)
            if let id = record.orderID, let fin = collected.traces[id]?.enteredMs[Estado.finalizado.ordinal] {
                let second = Int(max(0, clock.offsetMs(wallMs: fin)) / 1000)
                finalized[second, default: 0] += 1
                last = max(last, second)
            }
        }
        var lagBySecond: [Int: Int] = [:]
        for sample in lag { if let value = sample.lag { lagBySecond[sample.second] = value } }
        last = max(last, lag.map(\.second).max() ?? 0)
        var lines = ["segundo,enviados,aceptados,errores,finalizados,latencia_p50_ms,latencia_p99_ms,latencia_max_ms,lag"]
        for second in 0...last {
            let p = Percentiles(latencies[second] ?? [])
            let cells = [p.at(50), p.at(99), p.sorted.last].map { $0.map { String(format: "%.3f", $0) } ?? "" }
            lines.append("\(second),\(sent[second] ?? 0),\(accepted[second] ?? 0),\(errors[second] ?? 0),\(finalized[second] ?? 0),"
                + cells.joined(separator: ",") + ",\(lagBySecond[second].map(String.init) ?? "")")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func perOrder() -> String {
        var lines = ["indice,id,estado_http,programado_ms,latencia_post_ms,recibido_ms,preparando_ms,entregando_ms,finalizado_ms,"
            + "retraso_preparando_ms,retraso_entregando_ms,retraso_finalizado_ms,extremo_a_extremo_ms,filas_historial,correos"]
        func f(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "" }
        for record in records {
            let trace = record.orderID.flatMap { collected.traces[$0] }
            let scheduled = Double(record.scheduledNs) / 1e6
            let states = Estado.allCases.map { estado in f(trace?.enteredMs[estado.ordinal].map { clock.offsetMs(wallMs: $0) }) }
            let late = Estado.allCases.dropFirst().map { record.accepted ? f(lateness(of: record, entering: $0)) : "" }
            let endToEnd = trace?.enteredMs[Estado.finalizado.ordinal].map { clock.offsetMs(wallMs: $0) - scheduled }
            let mails = record.orderID.map { String(collected.mails[$0]?.count ?? 0) } ?? ""
            lines.append(([String(record.index), record.orderID.map(String.init) ?? "", String(record.status), f(scheduled),
                           f(Double(record.latencyNs) / 1e6)] + states + late
                          + [f(endToEnd), trace.map { String($0.historyRows) } ?? "", mails]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
