import NotificacionesService
import PedidosKafka
import PedidosServiceKit
import Testing

/// Offline tests of the broker-load settings (producer linger, consumer fetch wait) each service reads.
@Suite("Broker load settings")
struct BrokerLoadSettingsTests {
    @Test("Defaults become librdkafka properties in milliseconds")
    func defaults() throws {
        let settings = try BrokerLoadSettings(environment: ServiceEnvironment([:]), service: "PROCESAMIENTO",
                                              linger: .milliseconds(50), fetchWait: .milliseconds(200))
        #expect(settings.producerProperties == ["linger.ms": "50"])
        #expect(settings.consumerProperties == ["fetch.wait.max.ms": "200"])
    }

    @Test("The service's variables override the defaults")
    func overrides() throws {
        let environment = ServiceEnvironment(["PROCESAMIENTO_KAFKA_LINGER": "2ms", "PROCESAMIENTO_KAFKA_FETCH_WAIT": "1s",
                                              "NOTIFICACIONES_KAFKA_LINGER": "7ms"])
        let settings = try BrokerLoadSettings(environment: environment, service: "PROCESAMIENTO",
                                              linger: .milliseconds(50), fetchWait: .milliseconds(200))
        #expect(settings == BrokerLoadSettings(linger: .milliseconds(2), fetchWait: .seconds(1)))
        #expect(settings.consumerProperties == ["fetch.wait.max.ms": "1000"])
    }

    @Test("A malformed or zero value is an error naming the variable")
    func invalid() {
        for (name, value) in [("PROCESAMIENTO_KAFKA_LINGER", "pronto"), ("PROCESAMIENTO_KAFKA_FETCH_WAIT", "0ms")] {
            #expect(throws: ConfigurationError.self) {
                _ = try BrokerLoadSettings(environment: ServiceEnvironment([name: value]), service: "PROCESAMIENTO",
                                           linger: .milliseconds(50), fetchWait: .milliseconds(200))
            }
        }
    }

    @Test("notificaciones reads its own variables, with its defaults")
    func notificaciones() throws {
        let defaults = try NotificacionesConfiguration(environment: ServiceEnvironment([:]))
        #expect(defaults.brokerLoad == BrokerLoadSettings(linger: .milliseconds(5), fetchWait: .milliseconds(250)))
        let tuned = try NotificacionesConfiguration(environment: ServiceEnvironment(["NOTIFICACIONES_KAFKA_FETCH_WAIT": "100ms"]))
        #expect(tuned.brokerLoad.consumerProperties == ["fetch.wait.max.ms": "100"])
    }

    @Test("On the embedded broker a producer keeps one request in flight, so records produced meanwhile travel together")
    func embeddedProducerBatchesWhileWaiting() {
        let embedded = KafkaProfile.embedded.producerProperties
        #expect(embedded["max.in.flight.requests.per.connection"] == "1")
        #expect(embedded["enable.idempotence"] == "false")
        // A real cluster's idempotent producer keeps librdkafka's own limit (at most 5, in order).
        #expect(KafkaProfile.cluster.producerProperties["max.in.flight.requests.per.connection"] == nil)
        #expect(KafkaProfile.cluster.producerProperties["enable.idempotence"] == "true")
    }
}
