import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
@testable import PedidosKafka
@testable import PedidosPostgres
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import NotificacionesService

/// Shared set-up for the notificaciones tests: an isolated topic prefix (and so consumer group) per test,
/// order ids drawn from a random range per test (the PostgreSQL tables are shared by every test), and a
/// unique recipient per test (the SMTP store is shared too).
enum NotificacionesTestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "pedidos.tests.notificaciones")
        logger.logLevel = ProcessInfo.processInfo.environment["TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        return logger
    }()

    /// The environment of one service instance: real infrastructure, topics under `prefix`, a free port.
    static func environment(prefix: String, overrides: [String: String] = [:]) throws -> ServiceEnvironment {
        Observability.bootstrapMetricsOnly()
        var values = ProcessInfo.processInfo.environment
        values["KAFKA_BROKERS"] = try TestEnvironment.kafkaBrokers()
        values["DATABASE_URL"] = try TestEnvironment.databaseURL()
        values["SMTP_URL"] = try TestEnvironment.smtpURL()
        // Short SMTP timeout → short outbox lease (2 × timeout + 30 s), so rows claimed by a stopped
        // instance come back within the tests' deadlines.
        values["SMTP_TIMEOUT_MS"] = "5000"
        values["PEDIDOS_TOPIC_PREFIX"] = prefix
        values["NOTIFICACIONES_PORT"] = "0"
        values["NOTIFICACIONES_DB_POOL_SIZE"] = "6"
        values["NOTIFICACIONES_METRICS_INTERVAL"] = "1s"
        values["KAFKA_PARTITIONS"] = "3"
        values["MIGRATIONS_DIR"] = TestEnvironment.repositoryRoot.appendingPathComponent("migrations").path
        values.merge(overrides) { _, new in new }
        return ServiceEnvironment(values)
    }

    static func uniquePrefix(_ tag: String) -> String { TestEnvironment.uniqueName("not-\(tag)") + "-" }

    /// The first of 1,000,000 order ids reserved for one test (random, far from solicitudes' small ids).
    static func orderIDBase() -> Int64 { Int64.random(in: 1_000_000_000_000...9_000_000_000_000_000_000) }

    /// A recipient address no other test uses.
    static func recipient(_ tag: String) -> String {
        "\(tag)-\(UUID().uuidString.lowercased().prefix(13))@clientes.test"
    }

    static func producer() throws -> KafkaProducer {
        try KafkaProducer(configuration: KafkaTestSupport.configuration(clientID: "notificaciones-tests"), logger: logger)
    }

    /// A Kafka timestamp (whole milliseconds) `offset` milliseconds after a recent instant.
    static func timestamp(_ base: Int64, plus offset: Int64 = 0) -> Date {
        Date(timeIntervalSince1970: Double(base + offset) / 1000)
    }

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    @discardableResult
    static func publish(_ pedido: Pedido, _ estado: Estado, at date: Date, topics: PedidoTopics,
                        with producer: KafkaProducer) async throws -> KafkaDeliveryReport {
        try await producer.send(PedidoMessage.record(for: pedido.with(estado: estado), enteredAt: date, topics: topics))
    }

    /// `2026-11-27T05:41:12.345Z`, computed independently of the service's formatter.
    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func get(_ client: some TestClientProtocol, _ uri: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get)
    }

    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONParser.parse(Array(response.body.readableBytesView))
    }

    /// The historial of `id` once it has `entries` entries whose mails are all in `mailState`.
    static func waitForHistorial(_ client: some TestClientProtocol, id: Int64, entries: Int, mailState: String,
                                 timeout: Duration = .seconds(60)) async throws -> JSONValue {
        var last: JSONValue?
        try await waitUntil("historial of \(id) with \(entries) entries, mails \(mailState)", timeout: timeout, poll: .milliseconds(100)) {
            let response = try await get(client, "/pedidos/\(id)/historial")
            guard response.status == .ok else { return false }
            let body = try json(response)
            last = body
            guard case .array(let historial)? = body["historial"], historial.count == entries else { return false }
            return historial.allSatisfy { $0["correo"]?["estado"] == .string(mailState) }
        }
        return last!
    }

    /// The value of a counter in the process's Prometheus text (0 when absent).
    static func metric(_ name: String, labels: String = "") -> Double {
        let prefix = labels.isEmpty ? "\(name) " : "\(name){\(labels)} "
        for line in Observability.prometheusText().split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    /// A pool for assertions straight on the tables.
    static func pool() throws -> PostgresPool {
        var configuration = try PostgresConfiguration(url: TestEnvironment.databaseURL())
        configuration.poolSize = 2
        configuration.connectTimeout = .seconds(2)
        configuration.applicationName = "notificaciones-tests"
        return PostgresPool(configuration: configuration, logger: logger)
    }

    /// A pool on a schema of its own, new and migrated, for one test: for tests that run an outbox worker or
    /// a reconciler in-process and count what it did, or that need rows no worker claims. The whole-system
    /// tests' services, which keep running until the test process exits, work on the default schema and
    /// cannot claim these rows; nor can another test's worker (one schema per process let a worker of one
    /// suite claim, between two statements, the rows another suite was setting up).
    static func isolatedPool() async throws -> PostgresPool {
        let schema = "aislado_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try pool()
        // The name is made above from letters and digits only, never from input.
        try await admin.execute("CREATE SCHEMA \(schema)")
        await admin.close()
        var configuration = try PostgresConfiguration(url: TestEnvironment.databaseURL())
        configuration.poolSize = 2
        configuration.connectTimeout = .seconds(2)
        configuration.applicationName = "notificaciones-tests"
        configuration.searchPath = schema
        let pool = PostgresPool(configuration: configuration, logger: logger)
        try await MigrationRunner(pool: pool, directory: TestEnvironment.repositoryRoot.appendingPathComponent("migrations")).run()
        return pool
    }

    /// (state, status, attempts) of every outbox row of the given orders.
    static func outbox(_ pool: PostgresPool, orders: [Int64]) async throws -> [(order: Int64, state: String, status: String, attempts: Int, lastError: String?)] {
        var result: [(order: Int64, state: String, status: String, attempts: Int, lastError: String?)] = []
        for id in orders {
            for row in try await pool.query(
                "SELECT order_id, state, status, attempts, last_error FROM email_outbox WHERE order_id = $1 ORDER BY state", [.int64(id)]) {
                result.append((try row.int64("order_id"), try row.string("state"), try row.string("status"), try row.int("attempts"),
                               try row.decode("last_error", as: String?.self)))
            }
        }
        return result
    }

    /// Number of `order_transitions` rows per state of `id`.
    static func transitionCounts(_ pool: PostgresPool, id: Int64) async throws -> [String: Int] {
        let rows = try await pool.query(
            "SELECT state, count(*) AS n FROM order_transitions WHERE order_id = $1 GROUP BY state", [.int64(id)])
        return try Dictionary(uniqueKeysWithValues: rows.map { (try $0.string("state"), try $0.int("n")) })
    }

    /// The mails for `recipient` once every outbox row of `orders` is `sent` (nothing can be sent after that).
    static func waitForAllSent(_ pool: PostgresPool, orders: [Int64], expected: Int, recipient: String,
                               timeout: Duration = .seconds(60)) async throws -> [StoredMail] {
        try await waitUntil("\(expected) outbox rows of \(recipient) marked sent", timeout: timeout, poll: .milliseconds(100)) {
            let rows = try await outbox(pool, orders: orders)
            return rows.count == expected && rows.allSatisfy { $0.status == "sent" }
        }
        return try await MailStore.shared().waitForMessages(to: recipient, count: expected, timeout: .seconds(10))
    }
}

@Suite("notificaciones", .timeLimit(.minutes(4)), .postgresServer(.shared))
struct NotificacionesTests {
    typealias Support = NotificacionesTestSupport

    @Test("four transitions: GET shows the furthest state, historial has the four record timestamps, four Spanish mails")
    func fourTransitions() async throws {
        let scenario = try NotificacionesScenario("four")
        let (prefix, recipient) = (scenario.prefix, scenario.recipient)
        let pedido = try scenario.pedido(nombre: "Pizza «napolitana» con ñ", precio: "759.000")
        let id = pedido.id
        let base = Support.nowMilliseconds()
        let times: [Estado: Date] = [
            .recibido: Support.timestamp(base), .preparando: Support.timestamp(base, plus: 5_123),
            .entregando: Support.timestamp(base, plus: 10_250), .finalizado: Support.timestamp(base, plus: 15_377),
        ]

        try await scenario.application().test(.live) { client in
            for estado in Estado.allCases { try await scenario.publish(pedido, estado, at: times[estado]!) }
            let historial = try await Support.waitForHistorial(client, id: id, entries: 4, mailState: "enviado")

            // GET /pedidos/:id: exactly the five fields, in order, precio as sent.
            let response = try await Support.get(client, "/pedidos/\(id)")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let expected = "{\"id\":\(id),\"nombre\":\"Pizza «napolitana» con ñ\",\"precio\":759.000,"
                + "\"correo\":\"\(recipient)\",\"estado\":\"finalizado\"}"
            #expect(String(buffer: response.body) == expected)

            // historial: order fields first, then the four transitions in state order with the record timestamps.
            guard case .object(let members) = historial else { Issue.record("historial is not an object"); return }
            #expect(members.map(\.key) == ["id", "nombre", "precio", "correo", "estado", "historial"])
            #expect(historial["precio"] == .number("759.000"))
            #expect(historial["estado"] == .string("finalizado"))
            guard case .array(let entries)? = historial["historial"] else { Issue.record("no historial array"); return }
            #expect(entries.map { $0["estado"] } == Estado.allCases.map { .string($0.rawValue) })
            for (entry, estado) in zip(entries, Estado.allCases) {
                #expect(entry["fecha"] == .string(Support.iso(times[estado]!)), "fecha of \(estado)")
                guard case .object(let correo)? = entry["correo"] else { Issue.record("no correo for \(estado)"); continue }
                #expect(correo.map(\.key) == ["estado", "enviado_en", "intentos"])
                #expect(entry["correo"]?["intentos"] == .number("1"))
                if case .string(let sentAt)? = entry["correo"]?["enviado_en"] {
                    #expect(sentAt.hasSuffix("Z") && sentAt.count == 24, "\(sentAt)")
                } else {
                    Issue.record("enviado_en missing for \(estado)")
                }
            }

            // Exactly four mails, one per state, with Spanish subject and body and deterministic Message-IDs.
            let mails = try await scenario.waitForAllSent([id], expected: 4)
            #expect(mails.count == 4)
            for estado in Estado.allCases {
                let matching = mails.filter { $0.subject == "Tu pedido #\(id) está \(estado.rawValue)" }
                #expect(matching.count == 1, "one mail for \(estado)")
                guard let mail = matching.first else { continue }
                #expect(mail.header("Message-ID") == "<pedido-\(id)-\(estado.rawValue)@pedidos.test>")
                #expect(mail.header("From")?.contains("pedidos@pedidos.test") == true)
                #expect(mail.header("To")?.contains(recipient) == true)
                #expect(mail.rcptTos == [recipient])
                let body = mail.body.replacingOccurrences(of: "\r\n", with: "\n")
                #expect(body.contains("Tu pedido #\(id) está \(estado.rawValue)."))
                #expect(body.contains("Nombre: Pizza «napolitana» con ñ"))
                #expect(body.contains("Precio: 759.000\n"))
                #expect(body.contains("Estado: \(estado.rawValue)\n"))
                #expect(body.contains("Fecha: \(Support.iso(times[estado]!))"))
            }

            // Metrics are exported.
            let metrics = try await Support.get(client, "/metrics")
            let text = String(buffer: metrics.body)
            #expect(text.contains("notificaciones_messages_consumed_total{topic=\"\(prefix)recibido\"} 1"))
            #expect(text.contains("notificaciones_transitions_recorded_total"))
            #expect(text.contains("notificaciones_mails_sent_total"))
            #expect(text.contains("notificaciones_smtp_send_duration_seconds"))
            try await waitUntil("the lag gauge of \(prefix)finalizado", timeout: .seconds(20)) {
                String(buffer: try await Support.get(client, "/metrics").body)
                    .contains("notificaciones_consumer_lag{topic=\"\(prefix)finalizado\"")
            }
        }
        await scenario.close()
    }

    @Test("a lone transition is mailed on the recorder's wake-up, without another message or the outbox's fallback poll")
    func loneTransitionIsMailedAtOnce() async throws {
        // A fallback poll far beyond the deadline below: only the wake-up raised by the recorder's commit
        // can get the mail out in time (it used to be raised only when a later batch completed).
        let scenario = try NotificacionesScenario("lone", overrides: ["NOTIFICACIONES_OUTBOX_POLL": "10m"])
        let pedido = try scenario.pedido(nombre: "Empanada de pino", precio: "3.50")
        try await scenario.application().test(.live) { client in
            try await scenario.publish(pedido, .recibido)
            _ = try await Support.waitForHistorial(client, id: pedido.id, entries: 1, mailState: "enviado", timeout: .seconds(45))
        }
        let mails = try await scenario.waitForAllSent([pedido.id], expected: 1)
        #expect(mails.map(\.subject) == ["Tu pedido #\(pedido.id) está recibido"])
        await scenario.close()
    }

    @Test("redelivered and late messages: one row per state, the state never moves back, no duplicate mail")
    func redeliveryAndLateMessages() async throws {
        let scenario = try NotificacionesScenario("redelivery")
        let prefix = scenario.prefix
        let pedido = try scenario.pedido(nombre: "Empanadas", precio: "12.50")
        let id = pedido.id
        let base = Support.nowMilliseconds()

        try await scenario.application().test(.live) { client in
            // The same record published twice, the states out of order, and a late preparando after entregando.
            try await scenario.publish(pedido, .recibido, at: Support.timestamp(base))
            try await scenario.publish(pedido, .recibido, at: Support.timestamp(base))
            try await scenario.publish(pedido, .entregando, at: Support.timestamp(base, plus: 2_000))
            try await scenario.publish(pedido, .preparando, at: Support.timestamp(base, plus: 1_000))
            _ = try await Support.waitForHistorial(client, id: id, entries: 3, mailState: "enviado")
            try await scenario.publish(pedido, .preparando, at: Support.timestamp(base, plus: 3_000))
            try await scenario.publish(pedido, .entregando, at: Support.timestamp(base, plus: 4_000))

            // Wait until every copy was consumed, then look.
            try await waitUntil("all six records consumed", timeout: .seconds(30)) {
                Support.metric("notificaciones_messages_consumed_total", labels: "topic=\"\(prefix)recibido\"") == 2
                    && Support.metric("notificaciones_messages_consumed_total", labels: "topic=\"\(prefix)preparando\"") == 2
                    && Support.metric("notificaciones_messages_consumed_total", labels: "topic=\"\(prefix)entregando\"") == 2
            }
            let response = try await Support.get(client, "/pedidos/\(id)")
            #expect(try Support.json(response)["estado"] == .string("entregando"))
            #expect(try await scenario.transitionCounts(id) == ["recibido": 1, "preparando": 1, "entregando": 1])

            let historial = try Support.json(try await Support.get(client, "/pedidos/\(id)/historial"))
            guard case .array(let entries)? = historial["historial"] else { Issue.record("no historial"); return }
            // The first record of each state wins: later copies change nothing.
            #expect(entries.map { $0["fecha"] } == [
                .string(Support.iso(Support.timestamp(base))), .string(Support.iso(Support.timestamp(base, plus: 1_000))),
                .string(Support.iso(Support.timestamp(base, plus: 2_000))),
            ])
            let mails = try await scenario.waitForAllSent([id], expected: 3)
            #expect(mails.count == 3)
            #expect(Set(mails.map(\.subject)).count == 3)
        }
        await scenario.close()
    }

    @Test("a record that is not a valid order is counted and skipped without blocking its partition")
    func poisonMessages() async throws {
        let scenario = try NotificacionesScenario("poison")
        let (prefix, topics, producer) = (scenario.prefix, scenario.topics, scenario.producer)
        let pedido = try scenario.pedido(nombre: "Sopa", precio: "3")
        let id = pedido.id

        try await scenario.application().test(.live) { client in
            let key = String(id)
            // Same key as the valid order, so the same partition, before it.
            try await producer.send(KafkaProducerRecord(topic: topics.topic(for: .recibido), key: key, value: "esto no es JSON"))
            try await producer.send(KafkaProducerRecord(topic: topics.topic(for: .recibido), key: key,
                                                        value: pedido.with(estado: .preparando).json))
            try await producer.send(KafkaProducerRecord(topic: topics.topic(for: .recibido), key: key,
                                                        value: #"{"id":\#(id + 1),"nombre":"x\u0000y","precio":1,"correo":"a@b.c","estado":"recibido"}"#))
            try await scenario.publish(pedido, .recibido)

            try await waitUntil("the valid order behind the poison records", timeout: .seconds(60), poll: .milliseconds(100)) {
                try await Support.get(client, "/pedidos/\(id)").status == .ok
            }
            #expect(Support.metric("notificaciones_undecodable_messages_total", labels: "topic=\"\(prefix)recibido\"") == 3)
            #expect(Support.metric("notificaciones_messages_consumed_total", labels: "topic=\"\(prefix)recibido\"") == 4)
        }
        await scenario.close()
    }

    @Test("GET answers 400 for ids that are not positive integers and 404 for unknown orders, as problem JSON")
    func httpErrors() async throws {
        let environment = try Support.environment(prefix: Support.uniquePrefix("http"))
        let app = try await buildNotificacionesApplication(environment: environment, logger: Support.logger)
        try await app.test(.live) { client in
            let unknown = Support.orderIDBase()
            for path in ["/pedidos/\(unknown)", "/pedidos/\(unknown)/historial"] {
                let response = try await Support.get(client, path)
                #expect(response.status == .notFound, "\(path)")
                #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                let problem = try Support.json(response)
                #expect(problem["status"] == .number("404"))
                #expect(problem["title"] == .string("Pedido no encontrado"))
                #expect(problem["detail"] == .string("No hay ningún pedido con id \(unknown) registrado. Un pedido recién aceptado aparece en cuanto se registra su estado recibido (normalmente en menos de un segundo)."))
            }
            for bad in ["abc", "0", "-3", "1.5", "99999999999999999999", "9223372036854775808", "+5", "1e3", "%20"] {
                for path in ["/pedidos/\(bad)", "/pedidos/\(bad)/historial"] {
                    let response = try await Support.get(client, path)
                    #expect(response.status == .badRequest, "\(path)")
                    #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                    let problem = try Support.json(response)
                    #expect(problem["status"] == .number("400"))
                    #expect(problem["title"] == .string("Id de pedido no válido"))
                    guard case .array(let errors)? = problem["errores"] else { Issue.record("no errores for \(path)"); continue }
                    #expect(errors.first?["campo"] == .string("id"))
                }
            }
            #expect(try await Support.get(client, "/health").status == .ok)
            // Ready once the consumer group assigned the partitions (until then 503, naming the group).
            try await waitUntil("/ready once the consumer owns its partitions", timeout: .seconds(30), poll: .milliseconds(100)) {
                let ready = try await Support.get(client, "/ready")
                if ready.status == .serviceUnavailable, case .string(let text)? = try Support.json(ready)["dependencias"]?["consumidor"] {
                    #expect(text.contains("esperando la asignación de particiones"))
                }
                return try ready.status == .ok && Support.json(ready)["listo"] == .bool(true)
            }
        }
    }

    @Test("a restarted service resumes from the committed offsets: no record read twice, no duplicate mail")
    func restartResumesFromCommittedOffsets() async throws {
        let scenario = try NotificacionesScenario("restart")
        let first = try scenario.pedido(0, nombre: "Primero", precio: "1.0")
        let second = try scenario.pedido(1, nombre: "Segundo", precio: "2.00")

        try await scenario.application().test(.live) { client in
            try await scenario.publishEveryState(of: first)
            _ = try await Support.waitForHistorial(client, id: first.id, entries: 4, mailState: "enviado")
        }
        // The first instance closed its consumer: offsets committed, group left.

        try await scenario.application().test(.live) { client in
            try await scenario.publishEveryState(of: second)
            _ = try await Support.waitForHistorial(client, id: second.id, entries: 4, mailState: "enviado")
            let first = try Support.json(try await Support.get(client, "/pedidos/\(first.id)"))
            #expect(first["estado"] == .string("finalizado"))
        }
        // Each topic delivered exactly two records in total (one per order): nothing was read twice.
        for topic in scenario.topics.all {
            #expect(Support.metric("notificaciones_messages_consumed_total", labels: "topic=\"\(topic)\"") == 2, "\(topic)")
        }
        for id in [first.id, second.id] {
            #expect(try await scenario.transitionCounts(id) == NotificacionesScenario.oneRowPerState)
        }
        let mails = try await scenario.waitForAllSent([first.id, second.id], expected: 8)
        #expect(mails.count == 8)
        #expect(Set(mails.compactMap { $0.header("Message-ID") }).count == 8)
        await scenario.close()
    }

    @Test("composition of the mail and parsing of ids")
    func units() throws {
        let pedido = Pedido(id: 12, nombre: "Tacos", precio: try Precio(literal: "759.000"), correo: "ana@example.com", estado: .preparando)
        let mail = NotificationMail(pedido: pedido, enteredAt: Date(timeIntervalSince1970: 1_795_758_072.345), domain: "pedidos.test")
        #expect(mail.subject == "Tu pedido #12 está preparando")
        #expect(mail.messageID == "<pedido-12-preparando@pedidos.test>")
        #expect(mail.body.contains("Precio: 759.000\n"))
        #expect(mail.body.contains("Fecha: 2026-11-27T05:41:12.345Z"))
        #expect(PedidoController<BasicRequestContext>.parseID("12") == 12)
        #expect(PedidoController<BasicRequestContext>.parseID("9223372036854775807") == Int64.max)
        for bad in ["", "0", "-1", "+1", "1.0", "١٢", "9223372036854775808", " 1"] {
            #expect(PedidoController<BasicRequestContext>.parseID(bad) == nil, "\(bad)")
        }
        #expect(TransitionRecorder.backoff(attempt: 1, initial: .milliseconds(100), maximum: .seconds(2)) == .milliseconds(100))
        #expect(TransitionRecorder.backoff(attempt: 4, initial: .milliseconds(100), maximum: .seconds(2)) == .milliseconds(800))
        #expect(TransitionRecorder.backoff(attempt: 60, initial: .milliseconds(100), maximum: .seconds(2)) == .seconds(2))
    }

    @Test("batch array parameters round-trip through PostgreSQL unchanged")
    func arrayLiterals() async throws {
        let pool = try Support.pool()
        let texts = ["", "NULL", "a,b", "{x}", "comillas \"dobles\"", "barra \\ invertida\\", "línea\nnueva\tcon tab",
                     "ñandú «759.000» 🍕", "  espacios  ", "'simple'"]
        let rows = try await pool.query(
            "SELECT t.v, t.n FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY t.n", [PostgresArrayLiteral.texts(texts)])
        #expect(try rows.map { try $0.string("v") } == texts)
        let numbers: [Int64] = [1, Int64.max, 42]
        let back = try await pool.query("SELECT unnest($1::bigint[]) AS v", [PostgresArrayLiteral.integers(numbers)])
        #expect(try back.map { try $0.int64("v") } == numbers)
        let date = Date(timeIntervalSince1970: 1_795_758_072.345)
        let stamps = try await pool.query("SELECT unnest($1::timestamptz[]) AS v", [PostgresArrayLiteral.timestamps([date])])
        #expect(try stamps.map { Support.iso(try $0.date("v")) } == ["2026-11-27T05:41:12.345Z"])
        await pool.close()
    }

    /// Recording throughput: 20,000 transitions already waiting in Kafka. Their recipients have no `@`, so
    /// every mail fails for good without any SMTP traffic (the outbox table is shared with other instances),
    /// and this instance's SMTP server is a closed port anyway; the rows are deleted afterwards.
    /// Opt-in: `NOTIFICACIONES_BENCH=1` (optionally `NOTIFICACIONES_BENCH_ORDERS`). With
    /// `NOTIFICACIONES_BENCH_PREFIX` and `NOTIFICACIONES_BENCH_BASE` it only publishes the records (orders
    /// `BASE..<BASE+ORDERS` under that prefix), to measure a release binary started by hand.
    @Test("throughput of the recorder", .enabled(if: ProcessInfo.processInfo.environment["NOTIFICACIONES_BENCH"] == "1"))
    func throughput() async throws {
        let settings = ProcessInfo.processInfo.environment
        let orders = Int(settings["NOTIFICACIONES_BENCH_ORDERS"] ?? "") ?? 5_000
        let external = settings["NOTIFICACIONES_BENCH_PREFIX"]
        let validMail = external != nil && settings["NOTIFICACIONES_BENCH_VALID_MAIL"] == "1"
        let prefix = external ?? Support.uniquePrefix("bench")
        let closedPort = try TestSockets.freePort()
        let environment = try Support.environment(prefix: prefix, overrides: [
            "SMTP_URL": "smtp://127.0.0.1:\(closedPort)", "KAFKA_PARTITIONS": "6", "NOTIFICACIONES_DB_POOL_SIZE": "10",
        ])
        let topics = environment.topics
        let base = settings["NOTIFICACIONES_BENCH_BASE"].flatMap { Int64($0) } ?? Support.orderIDBase()
        let producer = try Support.producer()
        let admin = try KafkaAdmin(configuration: KafkaTestSupport.configuration(), logger: Support.logger)
        try await admin.ensureTopics(topics.all.map { KafkaAdmin.TopicSpec(name: $0, partitions: 6) })
        let clock = ContinuousClock()
        let produceStart = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: orders, by: 250) {
                group.addTask {
                    for index in chunk..<min(chunk + 250, orders) {
                        // No '@': any outbox worker (this one, or another test's instance sharing the table)
                        // fails these mails for good before connecting, so none reaches the shared SMTP store.
                        // (NOTIFICACIONES_BENCH_VALID_MAIL=1 gives real addresses, for a service using a private schema.)
                        let correo = validMail ? "bench-\(index)@clientes.test" : "bench-\(index)-sin-arroba"
                        let pedido = Pedido(id: base + Int64(index), nombre: "Pedido \(index)", precio: try Precio(literal: "10.00"),
                                            correo: correo, estado: .recibido)
                        for estado in Estado.allCases {
                            try await Support.publish(pedido, estado, at: Date(), topics: topics, with: producer)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let produced = clock.now - produceStart
        let total = orders * 4
        guard external == nil else {
            print("notificaciones bench: produced \(total) records under \(prefix) in \(produced)")
            await producer.close()
            return
        }
        let pool = try Support.pool()
        let range: [PostgresValue] = [.int64(base), .int64(base + Int64(orders))]
        func cleanUp() async throws {
            try await pool.execute("DELETE FROM email_outbox WHERE order_id BETWEEN $1 AND $2", range)
            try await pool.execute("DELETE FROM order_transitions WHERE order_id BETWEEN $1 AND $2", range)
            try await pool.execute("DELETE FROM orders WHERE id BETWEEN $1 AND $2", range)
        }
        let app = try await buildNotificacionesApplication(environment: environment, logger: Support.logger)
        let measured: (ContinuousClock.Instant, ContinuousClock.Instant)
        do {
            measured = try await app.test(.live) { _ in
                var first: ContinuousClock.Instant?
                try await waitUntil("\(total) transitions recorded", timeout: .seconds(300), poll: .milliseconds(20)) {
                    let count = try await pool.query(
                        "SELECT count(*) AS n FROM order_transitions WHERE order_id BETWEEN $1 AND $2", range)[0].int("n")
                    if count > 0 && first == nil { first = clock.now }
                    return count == total
                }
                return (first!, clock.now)
            }
        } catch {
            try? await cleanUp()
            await pool.close()
            await producer.close()
            throw error
        }
        let (firstSeen, done) = measured
        let elapsed = done - firstSeen
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("notificaciones bench: produced \(total) records in \(produced); recorded them in \(elapsed) "
              + "(\(Int(Double(total) / seconds)) transitions/s) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
        for line in Observability.prometheusText().split(separator: "\n")
        where line.hasPrefix("notificaciones_record_batch_size_sum") || line.hasPrefix("notificaciones_record_batch_size_count")
            || line.hasPrefix("notificaciones_record_batch_duration_seconds_sum") || line.hasPrefix("notificaciones_record_batch_duration_seconds_count") {
            print("notificaciones bench: \(line)")
        }
        try await cleanUp()
        await pool.close()
        await producer.close()
    }
}
