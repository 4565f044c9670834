/// A publication whose acknowledgement did not arrive within its deadline.
public struct PublishDeadlineExceeded: Error, Sendable, CustomStringConvertible {
    /// The deadline that passed.
    public let deadline: Duration

    /// The error for a publication that outlived `deadline`.
    public init(deadline: Duration) { self.deadline = deadline }

    public var description: String { "no broker acknowledgement within \(deadline)" }
}
