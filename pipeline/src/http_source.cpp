#include "qd/pipeline/http_source.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstring>
#include <string_view>
#include <vector>

namespace qd {
namespace {

// Body bytes held between read() calls. When this much is waiting the transfer is paused, so
// memory stays bounded (plus one callback's delivery, CURL_MAX_WRITE_SIZE) whatever the file size.
constexpr size_t kBufferLimit = size_t{256} * 1024;
constexpr int kPollTimeoutMs = 500;
constexpr long kMaxRedirects = 10;
using Clock = std::chrono::steady_clock;

void global_init_once() {
  static const CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    throw SourceError(std::string("cannot initialise libcurl: ") + curl_easy_strerror(rc));
  }
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// HTTP/2 status lines carry no reason phrase: name the common ones ourselves.
const char* reason_phrase(long status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// A redirect that libcurl follows (CURLOPT_FOLLOWLOCATION): its headers are not the answer.
bool is_followed_redirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

class CurlHttpSource final : public HttpSource {
 public:
  CurlHttpSource(std::string url, const HttpValidators& conditional, const HttpOptions& options)
      : url_(std::move(url)), stall_timeout_(options.stall_timeout_s), cancel_(options.cancel) {
    global_init_once();
    easy_ = curl_easy_init();
    multi_ = curl_multi_init();
    if (easy_ == nullptr || multi_ == nullptr) {
      cleanup();
      throw SourceError(url_ + ": cannot create a libcurl handle");
    }
    try {
      configure(conditional, options);
      if (curl_multi_add_handle(multi_, easy_) != CURLM_OK) {
        throw SourceError(url_ + ": cannot start the transfer");
      }
      await_headers();
    } catch (...) {
      cleanup();
      throw;
    }
  }
  ~CurlHttpSource() override { cleanup(); }
  CurlHttpSource(const CurlHttpSource&) = delete;
  CurlHttpSource& operator=(const CurlHttpSource&) = delete;

  size_t read(char* buffer, size_t size) override {
    if (size == 0 || not_modified()) return 0;
    if (buffered() == 0 && paused_) {
      paused_ = false;
      const CURLcode rc = curl_easy_pause(easy_, CURLPAUSE_CONT);  // may deliver bytes at once
      if (rc != CURLE_OK) throw SourceError(url_ + ": libcurl: " + curl_easy_strerror(rc));
    }
    drive_until([this] { return buffered() > 0; });
    if (finished_) check_complete();
    const size_t n = std::min(size, buffered());
    if (n == 0) return 0;  // an empty body: memcpy must not see the empty buffer's null data()
    std::memcpy(buffer, buffer_.data() + consumed_, n);
    consumed_ += n;
    return n;
  }

  const std::string& name() const override { return url_; }
  const HttpResponseInfo& info() const override { return info_; }
  bool not_modified() const override { return info_.status == 304; }
  uint64_t bytes_received() const override { return received_.load(std::memory_order_relaxed); }

 private:
  size_t buffered() const { return buffer_.size() - consumed_; }

  void configure(const HttpValidators& conditional, const HttpOptions& options) {
    if (!conditional.etag.empty()) add_header("If-None-Match: " + conditional.etag);
    if (!conditional.last_modified.empty()) {
      add_header("If-Modified-Since: " + conditional.last_modified);
    }
    error_[0] = '\0';
    curl_easy_setopt(easy_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(easy_, CURLOPT_MAXREDIRS, kMaxRedirects);
    curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_s);
    curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_TIME, options.stall_timeout_s);
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM: sources live on many threads
    curl_easy_setopt(easy_, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
    curl_easy_setopt(easy_, CURLOPT_USERAGENT, "qd_prepare (libcurl)");
    curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &CurlHttpSource::on_header);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &CurlHttpSource::on_body);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  }

  void add_header(const std::string& line) {
    curl_slist* grown = curl_slist_append(headers_, line.c_str());
    if (grown == nullptr) throw SourceError(url_ + ": out of memory");
    headers_ = grown;
  }

  void await_headers() {
    drive_until([this] { return headers_done_; });
    if (!headers_done_) check_complete();  // the transfer failed before any answer
    info_.status = status_;
    char* effective = nullptr;
    curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective != nullptr) info_.effective_url = effective;
    if (status_ == 304 || (status_ >= 200 && status_ < 300)) return;

    std::string reason = reason_.empty() ? reason_phrase(status_) : reason_;
    std::string message =
        "HTTP " + std::to_string(status_) + (reason.empty() ? "" : " ") + reason + ": " + url_;
    if (info_.effective_url != url_) message += " (redirected to " + info_.effective_url + ")";
    if (status_ == 404) {
      message += "; check the category name, and that the source holds <base>/<category>.ndjson";
    }
    throw SourceError(message);
  }

  // Moves the transfer on until `ready()` or its end. Throws when nothing arrives for the stall
  // timeout: libcurl's low-speed check averages over seconds and notices a silent peer late.
  template <typename Ready>
  void drive_until(const Ready& ready) {
    auto last_activity = Clock::now();
    uint64_t seen = activity_;
    while (!ready() && !finished_) {
      if (cancel_ != nullptr && cancel_->load()) {
        throw SourceError(url_ + ": stopped (interrupted) after " +
                          std::to_string(bytes_received()) + " body bytes");
      }
      step();
      if (activity_ != seen) {
        seen = activity_;
        last_activity = Clock::now();
      } else if (stall_timeout_.count() > 0 && Clock::now() - last_activity >= stall_timeout_) {
        throw SourceError(url_ + ": stalled: nothing received for " +
                          std::to_string(stall_timeout_.count()) + " s after " +
                          std::to_string(bytes_received()) + " body bytes");
      }
    }
  }

  // Lets libcurl work, then waits for the socket (at most a second) if that brought nothing new.
  void step() {
    int running = 0;
    const uint64_t before = activity_;
    CURLMcode mc = curl_multi_perform(multi_, &running);
    if (mc != CURLM_OK) throw SourceError(url_ + ": libcurl: " + curl_multi_strerror(mc));
    if (running == 0) {
      finish();
      return;
    }
    if (activity_ != before || paused_) return;
    mc = curl_multi_poll(multi_, nullptr, 0, kPollTimeoutMs, nullptr);
    if (mc != CURLM_OK) throw SourceError(url_ + ": libcurl: " + curl_multi_strerror(mc));
  }

  void finish() {
    finished_ = true;
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg == CURLMSG_DONE) result_ = msg->data.result;
    }
  }

  // Once the transfer has ended: throws unless every byte the server announced arrived.
  void check_complete() const {
    if (result_ != CURLE_OK) {
      const std::string detail = error_[0] != '\0' ? error_ : curl_easy_strerror(result_);
      if (!headers_done_) throw SourceError(url_ + ": no response: " + detail);
      throw SourceError(url_ + ": transfer failed after " + std::to_string(bytes_received()) +
                        " bytes: " + detail);
    }
    if (info_.content_length >= 0 &&
        bytes_received() != static_cast<uint64_t>(info_.content_length)) {
      throw SourceError(url_ + ": transfer ended after " + std::to_string(bytes_received()) +
                        " of " + std::to_string(info_.content_length) + " bytes");
    }
  }

  static size_t on_header(char* data, size_t size, size_t count, void* self) {
    auto* source = static_cast<CurlHttpSource*>(self);
    ++source->activity_;
    source->header_line(std::string_view(data, size * count));
    return size * count;
  }

  // Called for every header line of every response, redirects included: keeps the last final one.
  void header_line(std::string_view line) {
    if (starts_with_nocase(line, "HTTP/")) {
      // "HTTP/1.1 404 Not Found" or "HTTP/2 404": a new response starts.
      const size_t space = line.find(' ');
      const std::string_view rest =
          trim(line.substr(space == std::string_view::npos ? line.size() : space));
      status_ = std::strtol(std::string(rest.substr(0, 3)).c_str(), nullptr, 10);
      reason_ = std::string(trim(rest.substr(std::min<size_t>(3, rest.size()))));
      info_ = HttpResponseInfo{};
      return;
    }
    const std::string_view trimmed = trim(line);
    if (trimmed.empty()) {
      // The end of a header block: the answer, unless a redirect or an interim 1xx follows.
      if (status_ >= 200 && !(is_followed_redirect(status_) && saw_location_)) headers_done_ = true;
      saw_location_ = false;
      return;
    }
    const size_t colon = trimmed.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view field = trim(trimmed.substr(0, colon));
    const std::string_view value = trim(trimmed.substr(colon + 1));
    const auto is = [&](std::string_view name) {
      return field.size() == name.size() && starts_with_nocase(field, name);
    };
    if (is("ETag")) {
      info_.etag = value;
    } else if (is("Last-Modified")) {
      info_.last_modified = value;
    } else if (is("Content-Length")) {
      info_.content_length = std::strtoll(std::string(value).c_str(), nullptr, 10);
    } else if (is("Location")) {
      saw_location_ = true;
    }
  }

  static size_t on_body(char* data, size_t size, size_t count, void* self) {
    return static_cast<CurlHttpSource*>(self)->body(data, size * count);
  }

  size_t body(const char* data, size_t size) {
    headers_done_ = true;
    if (buffered() >= kBufferLimit) {
      paused_ = true;
      return CURL_WRITEFUNC_PAUSE;  // libcurl keeps these bytes and offers them again on resume
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
    consumed_ = 0;
    buffer_.insert(buffer_.end(), data, data + size);
    received_ += size;
    ++activity_;
    return size;
  }

  void cleanup() {
    if (multi_ != nullptr && easy_ != nullptr) curl_multi_remove_handle(multi_, easy_);
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    curl_slist_free_all(headers_);
    easy_ = nullptr;
    multi_ = nullptr;
    headers_ = nullptr;
  }

  std::string url_;
  CURL* easy_ = nullptr;
  CURLM* multi_ = nullptr;
  curl_slist* headers_ = nullptr;
  char error_[CURL_ERROR_SIZE];

  HttpResponseInfo info_;
  long status_ = 0;
  std::string reason_;
  bool saw_location_ = false;
  bool headers_done_ = false;

  std::vector<char> buffer_;  // body bytes from buffer_[consumed_] on are not read yet
  size_t consumed_ = 0;
  std::atomic<uint64_t> received_{0};  // read by progress reports, maybe on another thread
  bool paused_ = false;
  bool finished_ = false;
  uint64_t activity_ = 0;  // header lines and body deliveries so far, to notice a stall
  std::chrono::seconds stall_timeout_;
  const std::atomic<bool>* cancel_ = nullptr;
  CURLcode result_ = CURLE_OK;
};

}  // namespace

std::unique_ptr<HttpSource> open_http_source(const std::string& url,
                                             const HttpValidators& conditional,
                                             const HttpOptions& options) {
  return std::make_unique<CurlHttpSource>(url, conditional, options);
}

std::string url_join(const std::string& base, const std::string& name) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string url = base;
  if (!url.empty() && url.back() != '/') url += '/';
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    // RFC 3986 unreserved characters stay; everything else is escaped, '/' included.
    const bool alphanumeric =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alphanumeric || c == '-' || c == '.' || c == '_' || c == '~') {
      url += c;
    } else {
      url += '%';
      url += kHex[byte >> 4];
      url += kHex[byte & 0x0f];
    }
  }
  return url;
}

bool is_http_url(const std::string& s) {
  return starts_with_nocase(s, "http://") || starts_with_nocase(s, "https://");
}

}  // namespace qd
