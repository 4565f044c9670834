/// Why an id block could not be reserved or used.
public struct PedidoIDAllocationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// An error with a readable explanation.
    public init(_ description: String) { self.description = description }
}
