/// A load-run failure explained in Spanish for the terminal.
public struct CargaError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
