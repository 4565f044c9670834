/// Where transitions are recorded: the order's latest state, the transition itself and the mail to send,
/// all in one atomic step.
public protocol TransitionStore: Sendable {
    /// Records `transitions` atomically (all or nothing) and idempotently:
    ///
    /// - the order is inserted if new; otherwise its state only ever moves forward (by ``Estado/ordinal``);
    /// - each (order, state) is recorded once, whatever the input repeats;
    /// - a mail is queued only for a transition recorded by this call.
    ///
    /// - Throws: the storage error; nothing was recorded then, and calling again with the same input is safe.
    func record(_ transitions: [PedidoTransition]) async throws -> TransitionBatchOutcome
}

/// What one ``TransitionStore/record(_:)`` call changed.
public struct TransitionBatchOutcome: Sendable, Hashable {
    /// Transitions recorded for the first time (each also queued a mail).
    public var recorded: Int
    /// Transitions that were already recorded (redeliveries, repeated publications).
    public var duplicates: Int

    public init(recorded: Int = 0, duplicates: Int = 0) {
        self.recorded = recorded
        self.duplicates = duplicates
    }

    public static func + (lhs: Self, rhs: Self) -> Self {
        Self(recorded: lhs.recorded + rhs.recorded, duplicates: lhs.duplicates + rhs.duplicates)
    }
}
