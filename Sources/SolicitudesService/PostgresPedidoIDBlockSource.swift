import PedidosPostgres

/// Reserves id blocks from a PostgreSQL sequence whose increment is the block size
/// (`order_id_blocks`, created by `migrations/001_pedidos.sql` with `INCREMENT BY 1000`).
///
/// `nextval` returns the first id of a block nobody else will get; the block size is read from the
/// sequence's catalog row in the same statement, so changing the sequence's increment never causes overlaps.
/// One round trip per block: with blocks of 1000, PostgreSQL is touched once per 1000 orders.
public struct PostgresPedidoIDBlockSource: PedidoIDBlockSource {
    /// The sequence used by default.
    public static let defaultSequence = "order_id_blocks"

    /// The pool the statement runs on.
    public let pool: PostgresPool
    /// The sequence name, resolved through the connection's `search_path`.
    public let sequence: String

    /// - Parameter sequence: a sequence whose increment is the block size (default `order_id_blocks`).
    public init(pool: PostgresPool, sequence: String = PostgresPedidoIDBlockSource.defaultSequence) {
        self.pool = pool
        self.sequence = sequence
    }

    /// The sequence name travels as a parameter (`$1::regclass`), never spliced into the SQL text.
    ///
    /// The increment comes from the catalog row of this one sequence (`pg_sequence`), not from the
    /// `pg_sequences` view: PostgreSQL evaluates that view's `last_value` for every sequence in the database
    /// before joining, so it waits on any sequence another session is dropping and then fails with
    /// "could not open relation with OID".
    static let statement = """
        SELECT nextval($1::regclass) AS first,
               (SELECT seqincrement FROM pg_catalog.pg_sequence WHERE seqrelid = $1::regclass) AS size
        """

    public func nextBlock() async throws -> Range<Int64> {
        let rows = try await pool.query(Self.statement, [.string(sequence)])
        guard let row = rows.first else { throw PedidoIDAllocationError("nextval on \(sequence) returned no row") }
        let first = try row.int64("first")
        let size = try row.int64("size")
        guard first > 0 else { throw PedidoIDAllocationError("sequence \(sequence) returned a non-positive id \(first)") }
        guard size > 0 else { throw PedidoIDAllocationError("sequence \(sequence) has a non-positive increment \(size)") }
        let (end, overflow) = first.addingReportingOverflow(size)
        guard !overflow else { throw PedidoIDAllocationError("sequence \(sequence) is exhausted at \(first)") }
        return first..<end
    }
}
