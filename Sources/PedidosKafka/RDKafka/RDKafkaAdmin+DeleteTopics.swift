internal import CRDKafka
import PedidosSupport

extension RDKafkaClient {
    /// Deletes the topics named in `names` with one DeleteTopics request and waits for its answer. Topics
    /// that do not exist are skipped; returns the names that were deleted.
    func deleteTopics(_ names: [String], timeoutMilliseconds: Int32) throws -> [String] {
        guard !names.isEmpty else { return [] }
        var topics: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
        defer { topics.forEach { rd_kafka_DeleteTopic_destroy($0) } }
        let event = try adminRequest(RD_KAFKA_ADMIN_OP_DELETETOPICS, name: "delete topics",
                                     timeoutMilliseconds: timeoutMilliseconds, operationTimeout: true) { options, queue in
            topics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_DeleteTopics(handle, buffer.baseAddress, buffer.count, options, queue)
            }
        }
        defer { rd_kafka_event_destroy(event) }
        guard let result = rd_kafka_event_DeleteTopics_result(event) else {
            throw KafkaError(kind: .other, message: "delete topics: unexpected event type")
        }
        var count = 0
        guard let results = rd_kafka_DeleteTopics_result_topics(result, &count) else { return [] }
        var deleted: [String] = []
        for index in 0..<count {
            let topicResult = results[index]
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let error = rd_kafka_topic_result_error(topicResult)
            switch error {
            case RD_KAFKA_RESP_ERR_NO_ERROR: deleted.append(name)
            case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART: continue
            default:
                let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                throw KafkaError(code: error, context: "delete topic \(name)\(message.map { " (\($0))" } ?? "")")
            }
        }
        return deleted
    }
}
