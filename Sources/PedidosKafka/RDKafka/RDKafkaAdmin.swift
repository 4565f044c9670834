internal import CRDKafka

extension RDKafkaClient {
    /// Creates the topics in `specs` with one CreateTopics request and waits for its answer. Topics that
    /// already exist are skipped; returns the names that were created.
    func createTopics(_ specs: [KafkaAdmin.TopicSpec], timeoutMilliseconds: Int32) throws -> [String] {
        guard !specs.isEmpty else { return [] }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for spec in specs {
            guard let topic = rd_kafka_NewTopic_new(spec.name, Int32(spec.partitions), Int32(spec.replicationFactor),
                                                    &errorBuffer, errorBuffer.count) else {
                throw KafkaError(kind: .configuration, message: "topic \(spec.name): \(String(nulTerminated: errorBuffer))")
            }
            newTopics.append(topic)
            for (key, value) in spec.config.sorted(by: { $0.key < $1.key }) {
                let result = rd_kafka_NewTopic_set_config(topic, key, value)
                guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: result, context: "topic config \(key)") }
            }
        }
        let event = try adminRequest(RD_KAFKA_ADMIN_OP_CREATETOPICS, name: "create topics",
                                     timeoutMilliseconds: timeoutMilliseconds, operationTimeout: true) { options, queue in
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
            }
        }
        defer { rd_kafka_event_destroy(event) }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(kind: .other, message: "create topics: unexpected event type")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return [] }
        var created: [String] = []
        for index in 0..<count {
            let topicResult = results[index]
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let error = rd_kafka_topic_result_error(topicResult)
            switch error {
            case RD_KAFKA_RESP_ERR_NO_ERROR: created.append(name)
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: continue
            default:
                let message = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                throw KafkaError(code: error, context: "create topic \(name)\(message.map { " (\($0))" } ?? "")")
            }
        }
        return created
    }
}
