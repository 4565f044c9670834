/// Hands out order ids: positive integers, unique across every solicitudes replica and restart.
///
/// The production implementation is ``BlockPedidoIDAllocator`` over ``PostgresPedidoIDBlockSource``; tests
/// may substitute their own.
public protocol PedidoIDAllocator: Sendable {
    /// The next unused id. Throws when no id can be obtained (for example PostgreSQL is unreachable
    /// and the ids already reserved are used up).
    func nextID() async throws -> Int64
}
