import ArgumentParser
import Foundation
import Logging
import PedidosDomain
import PedidosKafka
import PedidosServiceKit

/// `carga topico contar|listar|reenviar`: small operator tools over a topic (used by scripts/dlq.sh and
/// scripts/contrato.sh): count its records, print them as JSON lines, replay the dead letters.
struct Topico: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cuenta, lista o reenvía los registros de un tópico (p. ej. el de mensajes muertos, pedidos-dlq).",
        subcommands: [Contar.self, Listar.self, Reenviar.self])

    struct Options: ParsableArguments {
        @Option(help: "Brokers de Kafka.") var brokers: String = ProcessInfo.processInfo.environment["KAFKA_BROKERS"] ?? "127.0.0.1:19092"
        @Option(help: "Tópico.") var topico: String = DeadLetterPublisher.topicName
        @Option(help: "Segundos máximos de espera (unión al grupo y lectura).") var espera: Int = 120

        var kafka: KafkaConfiguration {
            get throws {
                var environment = ProcessInfo.processInfo.environment
                environment["KAFKA_BROKERS"] = brokers
                return try KafkaConfiguration(environment: environment, clientID: "carga-topico")
            }
        }
    }

    /// `carga topico contar`: records now in the topic (sum over partitions of high − low watermark).
    struct Contar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Imprime cuántos registros tiene el tópico.")
        @OptionGroup var options: Options

        func run() async throws {
            let reader = try TopicReader(options: options, group: nil)
            let marks = try await reader.assignedWatermarks()
            await reader.consumer.close()
            print(marks.values.reduce(0) { $0 + ($1.high - $1.low) })
        }
    }

    /// `carga topico listar`: every record, one JSON object per line.
    struct Listar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Imprime cada registro del tópico como una línea JSON.")
        @OptionGroup var options: Options

        func run() async throws {
            let reader = try TopicReader(options: options, group: nil)
            try await reader.readToEnd { message in print(TopicReader.json(message).serialized) }
            await reader.consumer.close()
        }
    }

    /// `carga topico reenviar`: publishes each dead letter again to the topic it came from (without the
    /// `dlq-*` headers, with its original key and timestamp) and commits past it, in the consumer group
    /// `<tópico>-reenvio`, so each one is replayed once. A dead letter that still does not conform to the
    /// contract is not published: the replay stops there (nothing after it is committed) unless
    /// `--descartar-invalidos`.
    struct Reenviar: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reenvía los mensajes muertos a su tópico de origen.")
        @OptionGroup var options: Options
        @Flag(help: "Confirma (sin reenviar) los que siguen sin cumplir el contrato, en vez de detenerse.") var descartarInvalidos = false

        func run() async throws {
            let reader = try TopicReader(options: options, group: options.topico + "-reenvio")
            var logger = Logger(label: "pedidos.carga.topico")
            logger.logLevel = .warning
            let producer = try KafkaProducer(configuration: options.kafka, logger: logger)
            var (replayed, discarded) = (0, 0)
            let consumer = reader.consumer
            let prefix = String(options.topico.dropLast(DeadLetterPublisher.topicName.count))
            do {
                try await reader.readToEnd { message in
                    guard let source = message.header(DeadLetterPublisher.Header.topic)?.stringValue else {
                        throw TopicoError("offset \(message.offset): falta la cabecera \(DeadLetterPublisher.Header.topic)")
                    }
                    let headers = message.headers.filter { !DeadLetterPublisher.Header.all.contains($0.key) }
                    let original = KafkaMessage(topic: source, partition: message.partition, offset: message.offset, key: message.key,
                                                value: message.value, headers: headers, timestampMilliseconds: message.timestampMilliseconds)
                    do {
                        _ = try PedidoMessage.decode(original, topics: PedidoTopics(prefix: prefix))
                    } catch {
                        guard descartarInvalidos else {
                            throw TopicoError("particion \(message.partition) offset \(message.offset): sigue sin cumplir el contrato (\(error)); corrija el consumidor o use --descartar-invalidos")
                        }
                        print("descartado: particion \(message.partition) offset \(message.offset): \(error)")
                        discarded += 1
                        try consumer.storeOffset(message)
                        return
                    }
                    try await producer.send(KafkaProducerRecord(topic: source, key: message.key, value: message.value,
                                                                headers: headers, timestamp: message.timestamp))
                    try consumer.storeOffset(message)
                    replayed += 1
                }
            } catch {
                print("reenviados: \(replayed), descartados: \(discarded)")
                await consumer.close()
                await producer.close()
                throw error
            }
            print("reenviados: \(replayed), descartados: \(discarded)")
            await consumer.close()
            await producer.close()
        }
    }
}

/// A failure of `carga topico`, printed as is (without the usage text).
struct TopicoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Reads one topic from the start (or from its group's committed offsets) up to the high watermarks it
/// finds once the group assigned it every partition.
struct TopicReader {
    let consumer: KafkaConsumer
    let topic: String
    let timeout: Duration

    init(options: Topico.Options, group: String?) throws {
        var logger = Logger(label: "pedidos.carga.topico")
        logger.logLevel = .warning
        topic = options.topico
        timeout = .seconds(options.espera)
        consumer = try KafkaConsumer(configuration: options.kafka, groupID: group ?? "carga-topico-\(UUID().uuidString.lowercased())",
                                     topics: [options.topico], logger: logger)
    }

    /// Polls the consumer until the group assigned it the topic's partitions, then asks for the watermarks.
    func assignedWatermarks() async throws -> [TopicPartition: (low: Int64, high: Int64)] {
        let consumer = self.consumer
        let topic = self.topic
        let timeout = self.timeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await event in consumer.events {
                    if case .assigned = event, consumer.isSettledInGroup, !consumer.assignment.isEmpty { return }
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TopicoError("el grupo no asignó particiones de \(topic) a tiempo")
            }
            try await group.next()
            group.cancelAll()
        }
        return try await consumer.queryWatermarks(timeout: .seconds(10))
    }

    /// Calls `handle` for every record up to the high watermarks seen at the start, in order per partition,
    /// from the group's committed offsets (the start of the topic for a new group).
    func readToEnd(_ handle: (KafkaMessage) async throws -> Void) async throws {
        let marks = try await assignedWatermarks()
        let committed = try await consumer.committedOffsets(Array(marks.keys), timeout: .seconds(10))
        var next: [TopicPartition: Int64] = [:]
        var end: [TopicPartition: Int64] = [:]
        for (partition, mark) in marks {
            let start = max(mark.low, committed[partition] ?? mark.low)
            if start < mark.high {
                next[partition] = start
                end[partition] = mark.high
            }
        }
        guard !end.isEmpty else { return }
        let deadline = ContinuousClock.now + timeout
        for try await event in consumer.events {
            guard ContinuousClock.now < deadline else { throw TopicoError("no se terminó de leer \(topic) a tiempo") }
            guard case .message(let message) = event, let stop = end[message.topicPartition],
                  message.offset >= next[message.topicPartition] ?? 0, message.offset < stop else { continue }
            try await handle(message)
            next[message.topicPartition] = message.offset + 1
            if message.offset + 1 >= stop { end[message.topicPartition] = nil }
            if end.isEmpty { return }
        }
    }

    /// A record as JSON: topic, partition, offset, key, headers, value (text when UTF-8) and timestamp.
    static func json(_ message: KafkaMessage) -> JSONValue {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return .object([
            ("topico", .string(message.topic)),
            ("particion", .number(String(message.partition))),
            ("offset", .number(String(message.offset))),
            ("clave", message.keyString.map(JSONValue.string) ?? .null),
            ("fecha", message.timestamp.map { .string(iso.string(from: $0)) } ?? .null),
            ("cabeceras", .object(message.headers.map { ($0.key, $0.stringValue.map(JSONValue.string) ?? .null) })),
            ("valor", message.valueString.map(JSONValue.string) ?? .string("<\(message.value.count) bytes no UTF-8>")),
        ])
    }
}
