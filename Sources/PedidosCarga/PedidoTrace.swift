import PedidosDomain

/// What the system recorded for one order: when it entered each state (epoch milliseconds, the Kafka
/// record timestamps) and how many history rows exist per state.
struct PedidoTrace: Sendable {
    /// Entry time per state, indexed by `Estado.ordinal`.
    var enteredMs: [Double?] = [nil, nil, nil, nil]
    /// History rows per state (more than one is a duplicate).
    var rows: [Int] = [0, 0, 0, 0]

    var finalized: Bool { enteredMs[Estado.finalizado.ordinal] != nil }
    var historyRows: Int { rows.reduce(0, +) }

    mutating func add(_ estado: Estado, enteredMs time: Double) {
        rows[estado.ordinal] += 1
        if enteredMs[estado.ordinal] == nil { enteredMs[estado.ordinal] = time }
    }
}

/// Reads back the recorded transitions of accepted orders from the system.
protocol TraceSource: Sendable {
    /// Traces of those of `ids` that reached `finalizado` (all their states).
    func finalized(among ids: [Int64]) async throws -> [Int64: PedidoTrace]
    /// Traces of `ids`, whatever their state (orders with nothing recorded are absent).
    func traces(of ids: [Int64]) async throws -> [Int64: PedidoTrace]
}
