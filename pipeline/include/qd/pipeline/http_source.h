#pragma once
// Reads an HTTP(S) response body as a ByteSource (libcurl), pulled by read() without a thread of
// its own, holding at most a few hundred KiB whatever the size of the file.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "qd/pipeline/byte_source.h"

namespace qd {

// What a previous run saw: sent back as If-None-Match / If-Modified-Since (empty: not sent).
struct HttpValidators {
  std::string etag;
  std::string last_modified;
};

struct HttpResponseInfo {
  long status = 0;                  // final HTTP status (after redirects)
  int64_t content_length = -1;      // -1 when the server did not say
  std::string etag, last_modified;  // response headers, as sent (empty when absent)
  std::string effective_url;        // the URL answered, after redirects
};

struct HttpOptions {
  long connect_timeout_s = 30;
  // Fail a transfer that receives nothing, or under 1 byte/s, for this long (0: never).
  long stall_timeout_s = 60;
  // Looked at while waiting for the server (at least once a second): once true, the transfer
  // stops with a SourceError, so a stop signal is honoured however slow the server is.
  const std::atomic<bool>* cancel = nullptr;
};

class HttpSource : public ByteSource {
 public:
  // The response's status and headers; valid as soon as open_http_source returns.
  virtual const HttpResponseInfo& info() const = 0;
  // 304: the conditional GET found nothing new; read() returns 0 at once.
  virtual bool not_modified() const = 0;
  // Body bytes received so far, as on the wire (for progress against content_length); may be
  // called from another thread while one reads.
  virtual uint64_t bytes_received() const = 0;
};

// Sends a GET for `url` (following redirects) and returns once the final response's headers have
// arrived. read() then streams the body and throws SourceError if the transfer fails, stalls, or
// ends before Content-Length: a cut transfer never looks like a complete file.
// Throws SourceError naming the URL for a status other than 2xx and 304 ("HTTP 404 Not Found:
// URL", with a hint about the category name or mirror layout) and for DNS, connection or TLS
// failures. The body is passed on as sent: no Accept-Encoding is requested, so a gzipped file
// stays gzipped for open_decoded to recognise.
//
// To decode the body and still see its headers and progress, keep a raw pointer before moving the
// source into open_decoded, which owns it from then on; the pointer is valid while the decoded
// source lives:
//   auto http = open_http_source(url);
//   HttpSource* transfer = http.get();
//   auto text = open_decoded(std::move(http));
//   ... text->read(...); transfer->bytes_received(); transfer->info().etag ...
// Thread-safe: different sources may be opened and read on different threads at once.
std::unique_ptr<HttpSource> open_http_source(const std::string& url,
                                             const HttpValidators& conditional = {},
                                             const HttpOptions& options = {});

// `base` + "/" + `name`, the name percent-encoded as one path segment ("The Eiffel Tower.ndjson"
// -> "The%20Eiffel%20Tower.ndjson"); no double slash when `base` ends with '/'.
std::string url_join(const std::string& base, const std::string& name);

// Whether `s` starts with http:// or https:// (any case).
bool is_http_url(const std::string& s);

}  // namespace qd
