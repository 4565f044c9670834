internal import CCurl

/// Process-wide libcurl initialisation, done exactly once (Swift runs a `static let` initializer once,
/// thread-safely) before the first easy handle is created.
enum CurlGlobal {
    /// The result of `curl_global_init`, as a raw `CURLcode` value.
    private static let initResult: UInt32 = curl_global_init(Int(CURL_GLOBAL_DEFAULT)).rawValue

    /// Initialises libcurl if needed; throws if the library cannot be initialised.
    static func ensureInitialized() throws(SMTPError) {
        guard initResult == CURLE_OK.rawValue else {
            throw .invalidConfiguration("curl_global_init failed with CURLcode \(initResult)")
        }
    }
}
