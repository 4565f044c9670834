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
        // librdkafka copies the names into the collection, so the C strings only live for this call.
        var cNames: [UnsafePointer<CChar>?] = names.map { UnsafePointer(strdup($0)) }
        let collection = cNames.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_TopicCollection_of_topic_names(buffer.baseAddress, buffer.count)
        }
        cNames.forEach { free(UnsafeMutablePointer(mutating: $0)) }
        defer { rd_kafka_TopicCollection_destroy(collection) }
        let event = try adminRequest(RD_KAFKA_ADMIN_OP_DESCRIBETOPICS, name: "describe topics",
                                     timeoutMilliseconds: timeoutMilliseconds) { options, queue in
            rd_kafka_DescribeTopics(handle, collection, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
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
