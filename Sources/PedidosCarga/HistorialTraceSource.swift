import Foundation
import PedidosDomain

/// Reads `GET /pedidos/<id>/historial` from notificaciones, over a few parallel keep-alive connections.
struct HistorialTraceSource: TraceSource {
    let endpoint: HTTPEndpoint
    var connections = 8

    func finalized(among ids: [Int64]) async throws -> [Int64: PedidoTrace] {
        try await traces(of: ids).filter { $0.value.finalized }
    }

    func traces(of ids: [Int64]) async throws -> [Int64: PedidoTrace] {
        let slices = (0..<connections).map { lane in stride(from: lane, to: ids.count, by: connections).map { ids[$0] } }
        return try await withThrowingTaskGroup(of: [Int64: PedidoTrace].self) { group in
            for slice in slices where !slice.isEmpty {
                group.addTask {
                    try await HTTPConnection.run(endpoint) { sender in
                        var found: [Int64: PedidoTrace] = [:]
                        for id in slice {
                            let answer = try await sender.send(.GET, "\(endpoint.basePath)/pedidos/\(id)/historial")
                            if answer.status == 200, let trace = Self.trace(answer.body) { found[id] = trace }
                        }
                        return found
                    }
                }
            }
            var all: [Int64: PedidoTrace] = [:]
            for try await part in group { all.merge(part) { a, _ in a } }
            return all
        }
    }

    /// `{"historial":[{"estado":"recibido","fecha":"2026-…Z",…},…]}` → trace.
    static func trace(_ body: [UInt8]) -> PedidoTrace? {
        guard let json = try? JSONParser.parse(body), case .array(let entries)? = json["historial"] else { return nil }
        var trace = PedidoTrace()
        for entry in entries {
            guard case .string(let name)? = entry["estado"], let estado = Estado(rawValue: name),
                  case .string(let fecha)? = entry["fecha"], let ms = Self.epochMs(fecha) else { continue }
            trace.add(estado, enteredMs: ms)
        }
        return trace
    }

    /// `2026-11-27T05:41:12.345Z` → epoch milliseconds.
    static func epochMs(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text).map { $0.timeIntervalSince1970 * 1000 }
    }
}
