import ArgumentParser
import Foundation
import Logging
import PedidosDomain
import PedidosKafka
import PedidosServiceKit

/// `carga precargar`: fills the broker with records shaped like orders, in a topic of their own, so that a
/// run can be measured against a broker that already holds a large volume (a long-lived broker).
struct Precargar: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Escribe N registros con forma de pedido en un tópico aparte (broker con volumen acumulado).")
    @Option(help: "Brokers de Kafka.") var brokers: String = "127.0.0.1:19092"
    @Option(help: "Tópico de relleno (se crea si no existe).") var topico: String = "pedidos-relleno"
    @Option(help: "Cantidad de registros.") var registros: Int = 1_000_000
    @Option(help: "Particiones del tópico de relleno.") var particiones: Int = 6
    @Option(help: "Registros sin confirmar a la vez.") var enVuelo: Int = 20_000

    func run() async throws {
        guard registros > 0, enVuelo > 0 else { throw ValidationError("--registros y --en-vuelo deben ser positivos") }
        var logger = Logger(label: "pedidos.carga.precargar")
        logger.logLevel = .warning
        let kafka = KafkaConfiguration(brokers: brokers, clientID: "carga-precargar")
        try await KafkaAdmin(configuration: kafka, logger: logger)
            .ensureTopics([.init(name: topico, partitions: particiones)])
        // Throughput, not latency: let records batch.
        let producer = try KafkaProducer(configuration: kafka, properties: ["linger.ms": "20", "batch.num.messages": "10000"],
                                         logger: logger)
        let topics = PedidoTopics(prefix: "")
        let started = ContinuousClock.now
        let total = registros, window = enVuelo, topic = topico
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                if index >= window { try await group.next() }
                group.addTask {
                    let pedido = Pedido(id: Int64(index + 1), nombre: "Relleno \(index)", precio: try Precio(literal: "759.000"),
                                        correo: "relleno\(index % 1000)@example.com", estado: .recibido)
                    var record = try PedidoMessage.record(for: pedido, enteredAt: Date(), topics: topics)
                    record.topic = topic
                    try await producer.send(record)
                }
                if index % 100_000 == 99_999 { print("precargar: \(index + 1) registros") }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = (Double(total) / seconds).rounded()
        print("precargar: \(total) registros en \(topic) en \((seconds * 10).rounded() / 10) s (\(Int(rate))/s)")
        await producer.close()
    }
}
