internal import CCurl
import PedidosSupport

/// The per-message state libcurl's C callbacks reach through `CURLOPT_READDATA`,
/// `CURLOPT_XFERINFODATA` and `CURLOPT_HEADERDATA` (as an `Unmanaged` pointer): the bytes being
/// uploaded, the read offset, the cancellation flag, the end-of-data hook and the last error reply
/// from the server.
///
/// It is created, used by the callbacks and dropped within one `curl_easy_perform` on the transport
/// queue, so it needs no synchronisation of its own.
final class CurlTransferContext {
    private let bytes: [UInt8]
    private var offset = 0
    let cancellation: CancellationFlag
    /// The most recent error reply line (4xx or 5xx, e.g. `550 5.1.1 unknown user`) from the server,
    /// for error messages. Later replies such as `221 Bye` to QUIT do not replace it.
    private(set) var lastErrorReply: String?
    /// Called once, before the last chunk is handed to libcurl (which then sends the end of data);
    /// `false` aborts the transfer, so the server never gets a complete message.
    private let endOfData: (() -> Bool)?
    /// Whether the end-of-data hook ran and allowed the end of data.
    private(set) var passedEndOfData = false

    init(bytes: [UInt8], cancellation: CancellationFlag, endOfData: (() -> Bool)? = nil) {
        self.bytes = bytes
        self.cancellation = cancellation
        self.endOfData = endOfData
    }

    /// Whether libcurl has read the whole message.
    var uploadedEverything: Bool { offset == bytes.count }

    /// Copies the next chunk into libcurl's buffer; 0 means the message is complete.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        if cancellation.isCancelled { return Int(CURL_READFUNC_ABORT) }
        let count = min(capacity, bytes.count - offset)
        guard count > 0 else { return 0 }
        // libcurl knows the size (CURLOPT_INFILESIZE_LARGE), so it asks for no more after the last byte and
        // sends the end of data right after it: the hook runs before handing over the last chunk.
        if offset + count == bytes.count, !passedEndOfData {
            if let endOfData, !endOfData() { return Int(CURL_READFUNC_ABORT) }
            passedEndOfData = true
        }
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    /// Remembers a reply line received from the server if it is an error (4xx or 5xx). Most lines are
    /// positive replies (`250 OK`, `354 …`): they are recognised by their first byte, without decoding.
    func recordReply(_ data: UnsafeBufferPointer<UInt8>) {
        guard let first = data.first, first == UInt8(ascii: "4") || first == UInt8(ascii: "5") else { return }
        var line = data[...]
        while let last = line.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { line = line.dropLast() }
        lastErrorReply = String(decoding: line.prefix(300), as: UTF8.self)
    }
}

/// The C callbacks. Each receives the context as its opaque user pointer; none captures anything, so
/// they convert to `@convention(c)` function pointers.
enum CurlSMTPCallbacks {
    static let read: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        buffer, size, count, userData in
        guard let buffer, let userData else { return Int(CURL_READFUNC_ABORT) }
        let context = Unmanaged<CurlTransferContext>.fromOpaque(userData).takeUnretainedValue()
        return context.read(into: buffer, capacity: size * count)
    }

    /// Returning non-zero aborts the transfer with `CURLE_ABORTED_BY_CALLBACK`.
    static let progress: @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = {
        userData, _, _, _, _ in
        guard let userData else { return 0 }
        let context = Unmanaged<CurlTransferContext>.fromOpaque(userData).takeUnretainedValue()
        return context.cancellation.isCancelled ? 1 : 0
    }

    /// Receives one server reply line at a time (libcurl hands SMTP replies to the header callback); only
    /// replies, never the commands sent (which include AUTH data). Returning less than the size given
    /// would abort the transfer.
    static let header: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, userData in
        let length = size * count
        guard let data, let userData else { return length }
        let context = Unmanaged<CurlTransferContext>.fromOpaque(userData).takeUnretainedValue()
        context.recordReply(UnsafeBufferPointer(start: UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length))
        return length
    }
}
