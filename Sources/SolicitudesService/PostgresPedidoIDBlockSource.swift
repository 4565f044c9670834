import PedidosPostgres

/// Reserves id blocks from a PostgreSQL sequence whose increment is the block size
/// (`order_id_blocks`, created by `migrations/001_pedidos.sql` with `INCREMENT BY 1000`).
///
/// `nextval` returns the first id of a block nobody else will get; the block size is read from
/// `pg_sequences` in the same statement, so changing the sequence's increment never causes overlaps.
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
    static let statement = """
        SELECT nextval($1::regclass) AS first,
               (SELECT s.increment_by
                  FROM pg_sequences s
                  JOIN pg_class c ON c.relname = s.sequencename
                  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname
                 WHERE c.oid = $1::regclass) AS size
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
