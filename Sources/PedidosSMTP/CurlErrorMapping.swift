internal import CCurl

extension SMTPError {
    /// Maps a failed `curl_easy_perform` to an error, using the last SMTP reply code
    /// (`CURLINFO_RESPONSE_CODE`) to tell temporary (4xx) from permanent (5xx) refusals.
    ///
    /// - Parameters:
    ///   - curlCode: the result of `curl_easy_perform`.
    ///   - replyCode: the last SMTP reply code, 0 when none was received.
    ///   - detail: the `CURLOPT_ERRORBUFFER` text (may be empty).
    ///   - lastReply: the last 4xx/5xx reply line the server sent, if any.
    ///   - cancelled: whether the caller cancelled the transfer.
    init(curlCode: CURLcode, replyCode: Int, detail: String, lastReply: String?, cancelled: Bool) {
        var message = detail.isEmpty ? String(cString: curl_easy_strerror(curlCode)) : detail
        if let lastReply { message += " (server: \(lastReply))" }

        switch curlCode {
        case _ where cancelled && (curlCode == CURLE_ABORTED_BY_CALLBACK || curlCode == CURLE_READ_ERROR):
            self = .cancelled
        case CURLE_OPERATION_TIMEDOUT:
            self = .timedOut(message)
        case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR:
            self = .authenticationFailed(smtpCode: replyCode, message: message)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_USE_SSL_FAILED,
             CURLE_SSL_CIPHER, CURLE_SSL_CRL_BADFILE:
            self = .tlsFailed(message)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_UNKNOWN_OPTION,
             CURLE_BAD_FUNCTION_ARGUMENT:
            self = .invalidConfiguration(message)
        case _ where replyCode >= 400 && replyCode < 600:
            // MAIL FROM, RCPT TO, DATA or the end of data was refused (curl reports SEND_ERROR,
            // WEIRD_SERVER_REPLY, ...); the reply code says whether to retry.
            self = .rejected(smtpCode: replyCode, message: message)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT,
             CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_SSL_CONNECT_ERROR,
             CURLE_WEIRD_SERVER_REPLY, CURLE_PARTIAL_FILE:
            self = .connectionFailed(message)
        default:
            self = .transferFailed(curlCode: Int(curlCode.rawValue), message: message)
        }
    }
}
