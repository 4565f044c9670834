/// What happened to one `POST /pedidos`, times in nanoseconds from the run start.
struct RequestRecord: Sendable {
    /// Position in the run; the dataset row is `index % rows`.
    let index: Int
    /// When the open-loop schedule said it should be sent (latency is measured from here).
    let scheduledNs: Int64
    /// When a connection actually wrote it.
    var sentNs: Int64 = 0
    /// When the whole answer arrived (or the connection failed).
    var doneNs: Int64 = 0
    /// HTTP status; 0 when the connection failed.
    var status: Int = 0
    /// The order id of a `202` answer.
    var orderID: Int64?

    var latencyNs: Int64 { doneNs - scheduledNs }
    var accepted: Bool { status == 202 && orderID != nil }
}
