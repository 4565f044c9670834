/// Reserves blocks of consecutive order ids that no other reservation, in this process or any other,
/// will ever return again.
public protocol PedidoIDBlockSource: Sendable {
    /// Reserves a new, non-empty block of positive ids.
    func nextBlock() async throws -> Range<Int64>
}
