import PedidosKafka
/// The readiness check of a consuming service: every consumer has its assignment from the group and no
/// rebalance is under way (``KafkaConsumer/isSettledInGroup``), so an order published now is fetched
/// without waiting for a group join (which takes seconds: a session timeout with the embedded broker).
public enum ConsumerReadiness {
    /// Not ready yet: names the groups still joining.
    public struct Joining: Error, CustomStringConvertible {
        public let groups: [String]
        public var description: String { "esperando la asignación de particiones del grupo \(groups.joined(separator: ", "))" }
    }

    /// Throws ``Joining`` unless every consumer is settled in its group.
    public static func check(_ consumers: [KafkaConsumer]) throws(Joining) {
        let joining = consumers.filter { !$0.isSettledInGroup }.map(\.groupID)
        guard joining.isEmpty else { throw Joining(groups: joining) }
    }
}
