/// The states an order walks through, in order. Each has a Kafka topic of the same name.
public enum Estado: String, Sendable, CaseIterable, Codable, Comparable {
    case recibido, preparando, entregando, finalizado

    /// The state after this one (`nil` for `finalizado`).
    public var next: Estado? {
        switch self {
        case .recibido: return .preparando
        case .preparando: return .entregando
        case .entregando: return .finalizado
        case .finalizado: return nil
        }
    }

    /// Position in the walk (0 for `recibido`); a later state never moves an order back.
    public var ordinal: Int { Estado.allCases.firstIndex(of: self)! }

    /// States that have a processing stage (every state but the last).
    public static var processingStages: [Estado] { allCases.filter { $0.next != nil } }

    public static func < (lhs: Estado, rhs: Estado) -> Bool { lhs.ordinal < rhs.ordinal }
}
