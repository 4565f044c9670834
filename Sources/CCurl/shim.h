#ifndef PEDIDOS_CCURL_SHIM_H
#define PEDIDOS_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
   These typed wrappers are the only way the Swift layer sets options. */
static inline CURLcode pedidos_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pedidos_curl_setopt_ptr(CURL *h, CURLoption o, const void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pedidos_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pedidos_curl_setopt_read(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb);
}
/* Progress callback (CURLOPT_XFERINFOFUNCTION); the SMTP layer uses it to abort a transfer when the
   calling Swift task is cancelled. */
static inline CURLcode pedidos_curl_setopt_xferinfo(CURL *h, int (*cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb);
}
/* Header callback (CURLOPT_HEADERFUNCTION): for SMTP libcurl passes every server reply line to it, so the
   SMTP layer records error replies from it (errors quote them) without CURLOPT_VERBOSE. */
static inline CURLcode pedidos_curl_setopt_header(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb);
}
static inline CURLcode pedidos_curl_getinfo_long(CURL *h, CURLINFO i, long *out) { return curl_easy_getinfo(h, i, out); }
#endif
