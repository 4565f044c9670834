/// The statements one connection has prepared on the server, by SQL text and parameter types.
///
/// A statement run through `PQexecParams` is parsed and analysed on every execution; a prepared one once
/// per connection. Our statements are constant SQL run thousands of times a second, so each connection
/// prepares each of them the first time it runs it, under a name of its own (`pedidos_1`, `pedidos_2`, ...).
///
/// Planning still happens on every execution (but for statements run with ``PostgresPlanning/reused``): the
/// sessions that prepare run with `plan_cache_mode = force_custom_plan`. Left to itself the server may switch
/// a statement to a generic plan after five executions, and keep it until the table is next analysed. A
/// generic plan made while a table is nearly empty (a fresh database, the first seconds of a deployment)
/// scans the whole table once it has grown: the outbox's mark did (docs/resultados/preparadas-20261202:
/// 5–8 ms per mark instead of 0.3 ms, mail p99 seconds behind at 100 orders/s). A custom plan sees the table
/// as it is.
///
/// Bounded: past ``capacity`` distinct statements the rest run unprepared, so SQL built at run time (a
/// varying number of placeholders, say) cannot fill the server's memory. Names are never reused, so a
/// statement dropped from the cache (``forget(_:)``) cannot clash with a later one.
struct PreparedStatementCache {
    /// What identifies a prepared statement: the server fixes the parameter types when it prepares.
    struct Key: Hashable {
        var sql: String
        var types: [UInt32]
    }

    /// The most statements prepared at once.
    let capacity: Int
    private var names: [Key: String] = [:]
    private var prepared = 0
    private var forgotten: [String] = []

    init(capacity: Int = 128) {
        self.capacity = capacity
    }

    /// The name `key` was prepared under, if it was.
    func name(for key: Key) -> String? {
        names[key]
    }

    /// A fresh name for preparing `key`, recorded as prepared; nil when the cache is full (run it unprepared).
    /// Call ``forget(_:)`` if preparing it fails.
    mutating func reserve(_ key: Key) -> String? {
        guard names.count < capacity else { return nil }
        prepared += 1
        let name = "pedidos_\(prepared)"
        names[key] = name
        return name
    }

    /// Drops `key` (its preparation failed, or the server can no longer run it as prepared): the next
    /// execution prepares it again under a new name. Its old name waits in ``takeForgotten()``.
    mutating func forget(_ key: Key) {
        if let name = names.removeValue(forKey: key) { forgotten.append(name) }
    }

    /// The names dropped by ``forget(_:)`` since the last call, to deallocate on the server (some may not
    /// exist there: a preparation that failed, a session whose statements were discarded).
    mutating func takeForgotten() -> [String] {
        defer { forgotten.removeAll() }
        return forgotten
    }
}
