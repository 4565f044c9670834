import Foundation
import Testing
@testable import PedidosKafka
@testable import PedidosDomain
@testable import PedidosServiceKit
@testable import SolicitudesService
@testable import NotificacionesService
@testable import ProcesamientoService

/// The Kafka contract on the running pipeline (the three services as processes, their own topics): every
/// record produced on the four state topics conforms to `kafka/pedido.schema.json`, and a record the
/// consumers cannot decode goes to `pedidos-dlq` (with where it came from and why), is counted in
/// /metrics, and does not stop what follows it.
@Suite("Kafka contract", .serialized, .timeLimit(.minutes(5)))
struct KafkaContractTests {
    static let system = PipelineSystem(name: "contrato")

    /// Reads `topics` from the start in a fresh group until `done` holds for what arrived.
    static func read(_ topics: [String], until done: @escaping @Sendable ([KafkaMessage]) -> Bool,
                     what: String) async throws -> [KafkaMessage] {
        let consumer = try KafkaConsumer(configuration: KafkaTestSupport.configuration(),
                                         groupID: TestEnvironment.uniqueName("contrato-lector"), topics: topics,
                                         logger: KafkaTestSupport.logger)
        let collector = KafkaTestSupport.Collector(consumer)
        do {
            try await waitUntil(what, timeout: .seconds(90), poll: .milliseconds(100)) { done(collector.messages) }
        } catch {
            await collector.stop()
            throw error
        }
        await collector.stop()
        return collector.messages
    }

    @Test("every record on the four state topics conforms to kafka/pedido.schema.json and carries version 1")
    func pipelineRecordsConform() async throws {
        let system = Self.system
        try await system.ensureRunning()
        let domain = "\(system.prefix.dropLast())example.com"
        var ids: [Int64] = []
        for (index, precio) in ["759.000", "7.59e2", "0", "999999999999.9999", "0.0001"].enumerated() {
            ids.append(try await system.post(nombre: "Ñandú «\(index)» 🍕", precio: precio, correo: "c\(index)@\(domain)"))
        }
        for id in ids {
            try await waitUntil("order \(id) finalizado", timeout: .seconds(60), poll: .milliseconds(100)) {
                try await system.estado(of: id) == .finalizado
            }
        }
        let topics = PedidoTopics(prefix: system.prefix)
        let wanted = Set(ids)
        let messages = try await Self.read(topics.all, until: { messages in
            Set(messages.compactMap { $0.keyString.flatMap(Int64.init) }.filter(wanted.contains)).count == wanted.count
                && messages.filter { $0.keyString.flatMap(Int64.init).map(wanted.contains) == true }.count >= 4 * wanted.count
        }, what: "the four records of every order")
        #expect(messages.count >= 4 * ids.count)
        var states: [Int64: Set<Estado>] = [:]
        for message in messages {
            #expect(message.header(PedidoMessage.schemaHeader)?.stringValue == "1", "\(message.topicPartition)@\(message.offset)")
            let value = try JSONParser.parse(message.value)
            #expect(PedidoSchema.problems(value) == [], "\(message.valueString ?? "")")
            let pedido = try PedidoMessage.decode(message, topics: topics)
            #expect(message.keyString == String(pedido.id))
            #expect(topics.estado(forTopic: message.topic) == pedido.estado)
            states[pedido.id, default: []].insert(pedido.estado)
        }
        for id in ids { #expect(states[id] == Set(Estado.allCases), "order \(id)") }
    }

    @Test("undecodable records go to pedidos-dlq with their origin and error, are counted, and the pipeline moves on")
    func deadLetters() async throws {
        let system = Self.system
        try await system.ensureRunning()
        let topics = PedidoTopics(prefix: system.prefix)
        let producer = try KafkaProducer(configuration: KafkaTestSupport.configuration(), logger: KafkaTestSupport.logger)
        let valid = #"{"id":900000000001,"nombre":"x","precio":1,"correo":"a@b.co","estado":"recibido"}"#
        let v1 = [KafkaHeader(key: PedidoMessage.schemaHeader, value: "1")]
        let poison: [(topic: String, value: String, headers: [KafkaHeader])] = [
            (topics.topic(for: .recibido), "esto no es JSON", v1),
            (topics.topic(for: .recibido), valid, [KafkaHeader(key: PedidoMessage.schemaHeader, value: "2")]),
            (topics.topic(for: .recibido), valid, []),
            (topics.topic(for: .recibido), valid.replacingOccurrences(of: #""nombre":"x""#, with: #""nombre":"""#), v1),
            (topics.topic(for: .entregando), valid, v1),  // estado recibido on the entregando topic
        ]
        var reports: [KafkaDeliveryReport] = []
        for record in poison {
            reports.append(try await producer.send(KafkaProducerRecord(topic: record.topic, key: Array("900000000001".utf8),
                                                                       value: Array(record.value.utf8), headers: record.headers)))
        }
        await producer.close()
        // Behind the poison records, on the same partitions: a real order still goes all the way.
        let id = try await system.post(nombre: "Después del veneno", correo: "dlq@\(system.prefix.dropLast())example.com")
        try await waitUntil("order \(id) finalizado after the poison records", timeout: .seconds(60), poll: .milliseconds(100)) {
            try await system.estado(of: id) == .finalizado
        }

        // recibido is read by procesamiento-recibido and notificaciones; entregando by procesamiento-entregando
        // and notificaciones: each group dead-letters each record it cannot decode.
        let expected = Set(reports.flatMap { report -> [String] in
            let source = report.topicPartition.topic
            let groups = source == topics.topic(for: .recibido)
                ? [topics.processingGroup(for: .recibido), topics.notificationsGroup]
                : [topics.processingGroup(for: .entregando), topics.notificationsGroup]
            return groups.map { "\($0) \(source)[\(report.topicPartition.partition)]@\(report.offset)" }
        })
        @Sendable func identity(_ message: KafkaMessage) -> String {
            func header(_ key: String) -> String { message.header(key)?.stringValue ?? "?" }
            typealias H = DeadLetterPublisher.Header
            return "\(header(H.group)) \(header(H.topic))[\(header(H.partition))]@\(header(H.offset))"
        }
        let letters = try await Self.read([topics.deadLetter], until: { messages in
            expected.isSubset(of: Set(messages.map(identity)))
        }, what: "a dead letter per group and poison record")
        #expect(Set(letters.map(identity)) == expected)
        for letter in letters {
            let source = try #require(letter.header(DeadLetterPublisher.Header.topic)?.stringValue)
            let offset = try #require(letter.header(DeadLetterPublisher.Header.offset).flatMap { $0.stringValue }.flatMap(Int64.init))
            let index = try #require(reports.firstIndex { $0.topicPartition.topic == source && $0.offset == offset })
            #expect(letter.valueString == poison[index].value, "the dead letter keeps the value as it was")
            #expect(letter.keyString == "900000000001")
            for header in poison[index].headers { #expect(letter.header(header.key) == header, "original headers kept") }
            let reason = letter.header(DeadLetterPublisher.Header.error)?.stringValue ?? ""
            #expect(!reason.isEmpty)
        }
        let errors = letters.compactMap { $0.header(DeadLetterPublisher.Header.error)?.stringValue }
        #expect(errors.contains { $0.contains("versión de esquema «2» desconocida") })
        #expect(errors.contains { $0.contains("falta la cabecera pedidos-schema-version") })
        #expect(errors.contains { $0.contains("valor no es JSON") })
        #expect(errors.contains { $0.contains("nombre: tiene 0 caracteres") })

        // Counted in each service's /metrics.
        for (port, groups) in [(system.procesamientoPort, [topics.processingGroup(for: .recibido), topics.processingGroup(for: .entregando)]),
                               (system.notificacionesPort, [topics.notificationsGroup])] {
            let text = String(decoding: try await system.request("GET", port: port, path: "/metrics", contentType: nil).body, as: UTF8.self)
            let counted = text.split(separator: "\n").filter { $0.hasPrefix("pedidos_dead_letters_total{") }
                .filter { line in groups.contains { line.contains("group=\"\($0)\"") } }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
            #expect(counted == Double(expected.filter { entry in groups.contains { entry.hasPrefix($0 + " ") } }.count), "port \(port)")
        }
    }

    @Test("scripts/dlq.sh reenviar publishes a dead letter again to its source topic, once, and the pipeline finishes it")
    func replay() async throws {
        let system = Self.system
        try await system.ensureRunning()
        let topics = PedidoTopics(prefix: system.prefix)
        let id = Int64.random(in: 800_000_000_000...899_999_999_999)
        let correo = "reenvio@\(system.prefix.dropLast())example.com"
        // A dead letter whose cause has been fixed: a valid order as a consumer dead-lettered it.
        let producer = try KafkaProducer(configuration: KafkaTestSupport.configuration(), logger: KafkaTestSupport.logger)
        let pedido = Pedido(id: id, nombre: "Reenviado", precio: try Precio(literal: "12.50"), correo: correo, estado: .recibido)
        let original = try PedidoMessage.record(for: pedido, enteredAt: Date(), topics: topics)
        let letter = DeadLetterPublisher(producer: producer, topics: topics, group: "prueba", logger: KafkaTestSupport.logger)
            .record(for: KafkaMessage(topic: original.topic, partition: 0, offset: 0, key: original.key, value: original.value,
                                      headers: original.headers, timestampMilliseconds: nil),
                    error: "versión de esquema «1» desconocida (simulado)")
        try await producer.send(letter)
        await producer.close()

        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/dlq.sh").path
        let environment = ["PEDIDOS_TOPIC_PREFIX": system.prefix, "PEDIDOS_BUILD": "debug", "PEDIDOS_SKIP_BUILD": "1",
                           "KAFKA_BROKERS": try TestEnvironment.kafkaBrokers()]
        // The other tests' poison records share this dead-letter topic: those are discarded, not replayed.
        #expect(try spawnAndWait("/bin/bash", [script, "reenviar", "--descartar-invalidos"], environment: environment) == 0)
        try await waitUntil("the replayed order finalizado", timeout: .seconds(60), poll: .milliseconds(100)) {
            try await system.estado(of: id) == .finalizado
        }
        // Replayed once: a second run finds nothing new (the group pedidos-dlq-reenvio committed past it).
        #expect(try spawnAndWait("/bin/bash", [script, "reenviar", "--descartar-invalidos"], environment: environment) == 0)
        let recibido = try await Self.read([topics.topic(for: .recibido)], until: { messages in
            messages.contains { $0.keyString == String(id) }
        }, what: "the replayed record on recibido")
        #expect(recibido.filter { $0.keyString == String(id) }.count == 1)
        let replayed = try #require(recibido.first { $0.keyString == String(id) })
        #expect(replayed.headers == original.headers, "no dlq-* headers on the replayed record")
    }
}
