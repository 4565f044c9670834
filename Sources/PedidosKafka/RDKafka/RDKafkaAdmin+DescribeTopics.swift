internal import CRDKafka
import Foundation
import PedidosSupport

extension RDKafkaClient {
    /// The topic id (KIP-516) of each topic in `names` that exists, from one DescribeTopics request
    /// (Metadata v12), as librdkafka's base64 text. A topic that is deleted and created again under the same
    /// name gets a new id: that is how a consumer tells "my partition was re-created" apart from "my
    /// partition has not grown yet". Topics that do not exist are left out; a broker that knows no ids gives
    /// none (an empty id is left out too).
    func topicIDs(_ names: [String], timeoutMilliseconds: Int32) throws -> [String: String] {
        guard !names.isEmpty else { return [:] }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        // librdkafka copies the names into the collection, so the C strings only live for this call.
        var cNames: [UnsafePointer<CChar>?] = names.map { UnsafePointer(strdup($0)) }
        let collection = cNames.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_TopicCollection_of_topic_names(buffer.baseAddress, buffer.count)
        }
        cNames.forEach { free(UnsafeMutablePointer(mutating: $0)) }
        defer { rd_kafka_TopicCollection_destroy(collection) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_DESCRIBETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorBuffer, errorBuffer.count)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        rd_kafka_DescribeTopics(handle, collection, options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 2000) else {
            throw KafkaError(kind: .timedOut, message: "describe topics: no answer within \(timeoutMilliseconds) ms")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: eventError, context: "describe topics") }
        guard let result = rd_kafka_event_DescribeTopics_result(event) else {
            throw KafkaError(kind: .other, message: "describe topics: unexpected event type")
        }
        var count = 0
        guard let descriptions = rd_kafka_DescribeTopics_result_topics(result, &count) else { return [:] }
        var ids: [String: String] = [:]
        for index in 0..<count {
            guard let description = descriptions[index],
                  rd_kafka_error_code(rd_kafka_TopicDescription_error(description)) == RD_KAFKA_RESP_ERR_NO_ERROR,
                  let id = rd_kafka_TopicDescription_topic_id(description),
                  rd_kafka_Uuid_most_significant_bits(id) != 0 || rd_kafka_Uuid_least_significant_bits(id) != 0,
                  let text = rd_kafka_Uuid_base64str(id) else { continue }
            ids[String(cString: rd_kafka_TopicDescription_name(description))] = String(cString: text)
        }
        return ids
    }
}
