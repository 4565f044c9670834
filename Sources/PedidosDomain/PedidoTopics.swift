/// Names of the state topics and consumer groups. In production the prefix is empty, so the topics are
/// exactly `recibido`, `preparando`, `entregando`, `finalizado` and the groups `procesamiento-<estado>` and
/// `notificaciones`; tests set a unique prefix (`PEDIDOS_TOPIC_PREFIX`) to run isolated side by side.
public struct PedidoTopics: Sendable, Hashable {
    public let prefix: String

    public init(prefix: String = "") { self.prefix = prefix }

    /// The topic carrying orders that entered `estado`.
    public func topic(for estado: Estado) -> String { prefix + estado.rawValue }

    /// The state a topic carries, if it is one of ours.
    public func estado(forTopic topic: String) -> Estado? {
        guard topic.hasPrefix(prefix) else { return nil }
        return Estado(rawValue: String(topic.dropFirst(prefix.count)))
    }

    public var all: [String] { Estado.allCases.map(topic(for:)) }

    /// Consumer group of the procesamiento stage that reads `estado`.
    public func processingGroup(for estado: Estado) -> String { "\(prefix)procesamiento-\(estado.rawValue)" }

    /// Consumer group of notificaciones.
    public var notificationsGroup: String { "\(prefix)notificaciones" }
}
