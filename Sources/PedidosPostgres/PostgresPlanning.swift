/// How the server plans the executions of a prepared statement.
///
/// By default every execution is planned for its own values and the tables as they are (see
/// ``PreparedStatementCache``). Planning costs the server about 20 µs per execution, a quarter of what a
/// small batched `INSERT` costs it (docs/resultados/planes-registro-20261206). A statement with one sensible
/// plan, whatever its values and however large its tables, can skip it.
public enum PostgresPlanning: Sendable, Hashable {
    /// Planned on every execution (`plan_cache_mode = force_custom_plan`): right whatever the tables' sizes.
    case perExecution
    /// Planned once per connection and reused (`plan_cache_mode = force_generic_plan`). Only for statements
    /// whose plan cannot depend on a table's size: an `INSERT` of rows from `unnest` whose `ON CONFLICT`
    /// checks the primary key, say. Never for one that searches a table for its rows (a `WHERE` on a table, a
    /// join, an `UPDATE … FROM`): a plan made while the table is nearly empty scans it whole once it has grown.
    ///
    /// A connection switches its session's mode before such a statement (one more round trip, only when the
    /// previous statement on it asked otherwise). Inside a transaction nothing switches, and every statement
    /// is planned per execution.
    case reused

    /// The `plan_cache_mode` that gives this planning.
    var planCacheMode: String {
        switch self {
        case .perExecution: "force_custom_plan"
        case .reused: "force_generic_plan"
        }
    }
}
