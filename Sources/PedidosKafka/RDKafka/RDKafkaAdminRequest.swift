internal import CRDKafka
import PedidosSupport

extension RDKafkaClient {
    /// Runs one admin request and returns its result event (the caller destroys it): `send` issues the
    /// request with the given options on a queue of its own; the answer is awaited for the request timeout
    /// plus two seconds (the request has its own timeout; this allows for the answer to be queued).
    /// - Parameters:
    ///   - name: what the request does, for errors ("create topics").
    ///   - operationTimeout: whether the broker should also wait up to the timeout for the operation to
    ///     finish (topic creation and deletion), not only answer within it.
    /// - Throws: ``KafkaError`` on timeout or a request-level error.
    func adminRequest(_ operation: rd_kafka_admin_op_t, name: String, timeoutMilliseconds: Int32,
                      operationTimeout: Bool = false,
                      send: (_ options: OpaquePointer?, _ queue: OpaquePointer?) -> Void) throws -> OpaquePointer {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let options = rd_kafka_AdminOptions_new(handle, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorBuffer, errorBuffer.count)
        if operationTimeout {
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorBuffer, errorBuffer.count)
        }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 2000) else {
            throw KafkaError(kind: .timedOut, message: "\(name): no answer within \(timeoutMilliseconds) ms")
        }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_event_destroy(event)
            throw KafkaError(code: eventError, context: name)
        }
        return event
    }
}
