internal import CLibPQ
import Foundation
import Logging

/// What one statement returned: its rows, the affected-row count and the command tag ("INSERT 0 1", ...).
struct PostgresResult: Sendable {
    var rows: [PostgresRow]
    var affectedRows: Int
    var commandTag: String
}

/// One libpq connection (`PGconn`), closed with `PQfinish` in `deinit`.
///
/// Not thread-safe and deliberately not `Sendable`: it is owned by a `PostgresPoolSlot` and only ever used on
/// that slot's serial queue, because every libpq call here blocks its thread.
final class PostgresConnection {
    private let handle: OpaquePointer
    private let noticeSink: NoticeSink
    /// Set when the connection is left in a state this layer cannot continue from (e.g. COPY mode).
    private var unusable = false
    /// Statements prepared on this connection; nil when the configuration turns preparing off.
    private var statements: PreparedStatementCache?
    /// The planning the session's `plan_cache_mode` gives now (when preparing: it starts per execution).
    private var sessionPlanning: PostgresPlanning = .perExecution

    /// Receives server notices (e.g. "relation already exists, skipping") so they go to the log, not stderr.
    private final class NoticeSink {
        let logger: Logger
        init(logger: Logger) { self.logger = logger }
    }

    private init(handle: OpaquePointer, preparesStatements: Bool, logger: Logger) {
        self.handle = handle
        self.statements = preparesStatements ? PreparedStatementCache() : nil
        self.noticeSink = NoticeSink(logger: logger)
        PQsetNoticeReceiver(handle, { argument, result in
            guard let argument, let result else { return }
            let sink = Unmanaged<NoticeSink>.fromOpaque(argument).takeUnretainedValue()
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            // PG_DIAG_SEVERITY_NONLOCALIZED: WARNING is worth attention; NOTICE, INFO, LOG and DEBUG are chatter
            // such as "relation already exists, skipping".
            let severity = PQresultErrorField(result, Int32(UInt8(ascii: "V"))).map { String(cString: $0) }
            if severity == "WARNING" {
                sink.logger.warning("PostgreSQL: \(message)")
            } else {
                sink.logger.debug("PostgreSQL: \(message)")
            }
        }, Unmanaged.passUnretained(noticeSink).toOpaque())
    }

    deinit {
        PQfinish(handle)
    }

    /// Cancels whatever this connection is running, from any thread (nil if libpq could not make one).
    private(set) lazy var canceller: PostgresCanceller? = PostgresCanceller(connection: handle)

    /// Opens a connection and prepares the session: UTC time zone, ISO dates, the configured `search_path` and
    /// `statement_timeout`, and — when it prepares statements — `plan_cache_mode = force_custom_plan` (see
    /// ``PreparedStatementCache``).
    /// Blocks for at most the configuration's connect timeout.
    /// - Throws: `PostgresError` of kind `.connectionFailed`.
    static func connect(configuration: PostgresConfiguration, logger: Logger) throws -> PostgresConnection {
        let parameters = configuration.libpqParameters
        let keywords = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer<CChar>($0) } + [nil]
        let valuePointers = values.map { UnsafePointer<CChar>($0) } + [nil]
        guard let handle = PQconnectdbParams(keywordPointers, valuePointers, 0) else {
            throw PostgresError(.connectionFailed, "libpq could not allocate a connection to \(configuration)")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = errorMessage(handle)
            PQfinish(handle)
            throw PostgresError(.connectionFailed, "cannot connect to \(configuration): \(message)")
        }
        let connection = PostgresConnection(handle: handle, preparesStatements: configuration.preparedStatements,
                                            logger: logger)
        do {
            // Constant SQL; the search path travels as a parameter.
            _ = try connection.execute(
                """
                SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, MDY', false),
                       set_config('search_path', coalesce($1, current_setting('search_path')), false),
                       set_config('statement_timeout', $2, false),
                       set_config('plan_cache_mode', $3, false)
                """,
                [configuration.searchPath.map(PostgresValue.string) ?? .null, .string(configuration.statementTimeoutSetting),
                 .string(configuration.preparedStatements ? PostgresPlanning.perExecution.planCacheMode : "auto")]
            )
        } catch let error as PostgresError {
            throw PostgresError(.connectionFailed, "cannot prepare the session on \(configuration): \(error.message)",
                                sqlState: error.sqlState)
        }
        return connection
    }

    /// False once libpq reports the connection broken (or it was left in an unusable state).
    var isHealthy: Bool { !unusable && PQstatus(handle) == CONNECTION_OK }

    /// True when no transaction block is open (the state a pooled connection must be returned in).
    var isIdle: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// Runs one parameterised statement (text format in and out): prepared on this connection the first
    /// time it runs (`PQprepare`, then `PQexecPrepared`), so the server parses and analyses it once, not on
    /// every execution (it still plans every execution unless `planning` is `.reused`: see
    /// ``PreparedStatementCache``); unprepared (`PQexecParams`) when preparing is off or the cache is full.
    func execute(_ sql: String, _ parameters: [PostgresValue],
                 planning: PostgresPlanning = .perExecution) throws -> PostgresResult {
        try switchSession(to: planning)
        let types: [Oid] = parameters.map { Oid($0.typeOID) }
        var texts: [UnsafeMutablePointer<CChar>?] = []
        texts.reserveCapacity(parameters.count)
        defer { texts.forEach { free($0) } }
        for (index, parameter) in parameters.enumerated() {
            guard let text = parameter.text else {
                texts.append(nil)
                continue
            }
            guard !text.utf8.contains(0) else {
                throw PostgresError(.invalidParameter, "parameter $\(index + 1) contains a NUL character")
            }
            texts.append(strdup(text))
        }
        let pointers = texts.map { $0.map { UnsafePointer<CChar>($0) } }
        let key = PreparedStatementCache.Key(sql: sql, types: types)
        guard let name = try preparedName(for: key) else {
            return try consume(PQexecParams(handle, sql, Int32(parameters.count), types, pointers, nil, nil, 0))
        }
        func run(_ name: String) throws -> PostgresResult {
            try consume(PQexecPrepared(handle, name, Int32(parameters.count), pointers, nil, nil, 0))
        }
        do {
            return try run(name)
        } catch let error as PostgresError
                    where error.sqlState == PostgresError.SQLState.featureNotSupported
                    || error.sqlState == PostgresError.SQLState.invalidStatementName {
            // The statement outlived a schema change that altered its result ("cached plan must not change
            // result type"), or the session's statements were discarded: prepare it afresh. Outside a
            // transaction nothing was done, so it runs again now; inside one the error has aborted the
            // transaction, so it stands and the statement is prepared again on its next run.
            statements?.forget(key)
            guard isIdle, let fresh = try preparedName(for: key) else { throw error }
            return try run(fresh)
        }
    }

    /// Sets the session's `plan_cache_mode` for `planning` if it gives another one now. Only between
    /// transactions: inside one a switch would be undone by a rollback, so there the session keeps the mode it
    /// had at BEGIN, which is per execution (BEGIN itself runs with the default planning, and switches back).
    private func switchSession(to planning: PostgresPlanning) throws {
        guard statements != nil, planning != sessionPlanning, isIdle else { return }
        _ = try consume(PQexec(handle, "SET plan_cache_mode = \(planning.planCacheMode)"))
        sessionPlanning = planning
    }

    /// The name `key` is prepared under on this connection, preparing it now if it is new; nil when it is to
    /// run unprepared.
    private func preparedName(for key: PreparedStatementCache.Key) throws -> String? {
        guard statements != nil else { return nil }
        if let name = statements?.name(for: key) { return name }
        if isIdle {
            // Statements forgotten after an error would only hold memory on the server. Inside a transaction
            // they wait: a failing DEALLOCATE (one the server already dropped) would abort it.
            for stale in statements?.takeForgotten() ?? [] {
                _ = try? consume(PQexec(handle, "DEALLOCATE \(stale)"))
            }
        }
        guard let name = statements?.reserve(key) else { return nil }
        do {
            _ = try consume(PQprepare(handle, name, key.sql, Int32(key.types.count), key.types))
        } catch {
            statements?.forget(key)
            throw error
        }
        return name
    }

    /// Runs a trusted, possibly multi-statement script with `PQexec` (simple query protocol, no parameters).
    /// Only for migration files from the repository; never for text built from input.
    func executeScript(_ sql: String) throws {
        var result = PQexec(handle, sql)
        _ = try consume(result)
        // PQexec returns the last result; drain anything else so the connection is ready for the next command.
        while true {
            result = PQgetResult(handle)
            guard result != nil else { break }
            _ = try consume(result)
        }
    }

    /// Converts a `PGresult` (freeing it) into rows or a `PostgresError`.
    private func consume(_ result: OpaquePointer?) throws -> PostgresResult {
        guard let result else {
            let kind: PostgresError.Kind = PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .unexpectedResult
            throw PostgresError(kind, Self.errorMessage(handle))
        }
        defer { PQclear(result) }
        let commandTag = String(cString: PQcmdStatus(result))
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(rows: [], affectedRows: Self.affectedRows(result), commandTag: commandTag)
        case PGRES_TUPLES_OK:
            let rows = Self.rows(of: result)
            return PostgresResult(rows: rows, affectedRows: rows.count, commandTag: commandTag)
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR, PGRES_BAD_RESPONSE:
            throw error(from: result)
        default:
            // COPY and pipeline results are not supported; the connection's protocol state is now unknown.
            unusable = true
            throw PostgresError(.unexpectedResult, "unsupported result status \(String(cString: PQresStatus(PQresultStatus(result))))")
        }
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: Unicode.Scalar) -> String? {
            guard let value = PQresultErrorField(result, Int32(UInt8(ascii: code))) else { return nil }
            return String(cString: value)
        }
        let lost = PQstatus(handle) == CONNECTION_BAD
        var message = field("M") ?? String(cString: PQresultErrorMessage(result))
        if message.isEmpty { message = Self.errorMessage(handle) }
        return PostgresError(
            lost ? .connectionLost : .server,
            message.trimmingCharacters(in: .whitespacesAndNewlines),
            sqlState: field("C"),  // PG_DIAG_SQLSTATE
            detail: field("D"),  // PG_DIAG_MESSAGE_DETAIL
            hint: field("H"),  // PG_DIAG_MESSAGE_HINT
            constraint: field("n")  // PG_DIAG_CONSTRAINT_NAME
        )
    }

    private static func rows(of result: OpaquePointer) -> [PostgresRow] {
        let fieldCount = PQnfields(result)
        let rowCount = PQntuples(result)
        let columns = PostgresRow.Columns(names: (0..<fieldCount).map { String(cString: PQfname(result, $0)) })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            let values: [String?] = (0..<fieldCount).map { column in
                PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
            }
            rows.append(PostgresRow(columns: columns, values: values))
        }
        return rows
    }

    private static func affectedRows(_ result: OpaquePointer) -> Int {
        Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    private static func errorMessage(_ handle: OpaquePointer) -> String {
        let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "unknown libpq error" : message
    }
}
