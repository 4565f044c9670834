import Testing
@testable import PedidosKafka

/// When a failed send (a handle whose idempotence state a restarted broker no longer knows, or an unknown
/// broker error) may be handed to a handle again: never when the copy could still be delivered after the
/// caller's deadline, or solicitudes would answer `503` for an order that then exists.
@Suite("Producer retries")
struct ProducerRetryTests {
    let now = ContinuousClock.now
    let messageTimeout = Duration.milliseconds(3500)

    @Test("a copy that settles before the caller's deadline may be retried")
    func settlesInTime() {
        #expect(KafkaProducer.mayRetry(now: now, deadline: now + .seconds(4), messageTimeout: messageTimeout))
        #expect(KafkaProducer.mayRetry(now: now, deadline: now + messageTimeout, messageTimeout: messageTimeout))
    }

    @Test("a copy that could outlast the caller's deadline is not retried")
    func couldOutlastTheDeadline() {
        #expect(!KafkaProducer.mayRetry(now: now, deadline: now + .milliseconds(3499), messageTimeout: messageTimeout))
        #expect(!KafkaProducer.mayRetry(now: now, deadline: now + .seconds(1), messageTimeout: messageTimeout))
        #expect(!KafkaProducer.mayRetry(now: now, deadline: now - .seconds(1), messageTimeout: messageTimeout))
    }

    @Test("without a caller deadline (the pipeline's producers) a failed send is always retried")
    func noDeadline() {
        #expect(KafkaProducer.mayRetry(now: now, deadline: nil, messageTimeout: messageTimeout))
    }
}
