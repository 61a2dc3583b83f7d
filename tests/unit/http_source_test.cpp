#include "qd/pipeline/http_source.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <vector>

#include "byte_helpers.h"
#include "http_test_server.h"
#include "test_support.h"

namespace {

namespace fs = qd::test::fs;

// Bytes that are not all alike, so that an offset error shows.
std::string sample_bytes(size_t size) {
  std::string bytes(size, '\0');
  uint32_t x = 12345;
  for (char& c : bytes) {
    x = x * 1103515245 + 12345;
    c = static_cast<char>(x >> 24);
  }
  return bytes;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A loopback port that nothing listens on.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

TEST_CASE("an HTTP body arrives whole, with its length and validators") {
  const qd::test::ScratchDir dir("http_source_whole");
  // Several times the source's buffer, so that the transfer is paused and resumed.
  const std::string bytes = sample_bytes(3'000'000);
  write_file(dir / "big.bin", bytes);
  const qd::test::HttpTestServer server(dir.path());

  auto source = qd::open_http_source(server.url("big.bin"));
  const qd::HttpResponseInfo& info = source->info();
  CHECK(info.status == 200);
  CHECK(info.content_length == 3'000'000);
  CHECK(info.etag.front() == '"');
  CHECK(info.last_modified.find("GMT") != std::string::npos);
  CHECK(info.effective_url == server.url("big.bin"));
  CHECK_FALSE(source->not_modified());
  CHECK(source->name() == server.url("big.bin"));

  // Reads of a few bytes and of large blocks alike.
  std::string got(100'000, '\0');
  size_t n = 0;
  while (n < got.size()) n += source->read(&got[n], std::min<size_t>(13, got.size() - n));
  std::vector<char> block(1 << 20);
  while (const size_t m = source->read(block.data(), block.size())) got.append(block.data(), m);
  CHECK(got == bytes);
  CHECK(source->bytes_received() == bytes.size());
  CHECK(source->read(block.data(), block.size()) == 0);
}

TEST_CASE("a rerun with the validators gets 304 and reads nothing") {
  const qd::test::ScratchDir dir("http_source_304");
  write_file(dir / "cat.ndjson", "{\"word\":\"cat\"}\n");
  const qd::test::HttpTestServer server(dir.path());
  const std::string url = server.url("cat.ndjson");
  const qd::HttpResponseInfo first = qd::open_http_source(url)->info();
  REQUIRE(first.status == 200);
  char buffer[64];

  SUBCASE("by ETag") {
    auto again = qd::open_http_source(url, {first.etag, ""});
    CHECK(again->not_modified());
    CHECK(again->info().status == 304);
    CHECK(again->info().etag == first.etag);
    CHECK(again->read(buffer, sizeof buffer) == 0);
  }
  SUBCASE("by Last-Modified") {
    auto again = qd::open_http_source(url, {"", first.last_modified});
    CHECK(again->not_modified());
    CHECK(again->read(buffer, sizeof buffer) == 0);
  }
  SUBCASE("a changed ETag downloads again") {
    auto again = qd::open_http_source(url, {"\"stale\"", ""});
    CHECK_FALSE(again->not_modified());
    CHECK(again->info().status == 200);
    CHECK(qd::test::drain(*again) == "{\"word\":\"cat\"}\n");
  }
}

TEST_CASE("HTTP errors and unreachable servers are SourceErrors naming the URL") {
  const qd::test::ScratchDir dir("http_source_errors");
  const qd::test::HttpTestServer server(dir.path());
  const std::string missing = server.url("catt.ndjson");
  CHECK_THROWS_WITH_AS(
      qd::open_http_source(missing),
      doctest::Contains(("HTTP 404 Not Found: " + missing + "; check the category").c_str()),
      qd::SourceError);
  CHECK_THROWS_WITH_AS(
      qd::open_http_source(server.url("status/503")),
      doctest::Contains(("HTTP 503 Service Unavailable: " + server.url("status/503")).c_str()),
      qd::SourceError);

  const std::string refused = "http://127.0.0.1:" + std::to_string(closed_port()) + "/cat.ndjson";
  CHECK_THROWS_WITH_AS(qd::open_http_source(refused),
                       doctest::Contains((refused + ": no response: ").c_str()), qd::SourceError);
  CHECK_THROWS_WITH_AS(
      qd::open_http_source("http://qd-no-such-host.invalid/cat.ndjson"),
      doctest::Contains("http://qd-no-such-host.invalid/cat.ndjson: no response: "),
      qd::SourceError);
}

TEST_CASE("a transfer cut before Content-Length throws instead of ending quietly") {
  const qd::test::ScratchDir dir("http_source_cut");
  write_file(dir / "cat.ndjson", sample_bytes(500'000));
  const qd::test::HttpTestServer server(dir.path());
  auto source = qd::open_http_source(server.url("cut/cat.ndjson"));
  CHECK(source->info().content_length == 500'000);
  CHECK_THROWS_WITH_AS(
      qd::test::drain(*source),
      doctest::Contains((server.url("cut/cat.ndjson") + ": transfer failed after").c_str()),
      qd::SourceError);
  CHECK(source->bytes_received() == 250'000);
}

TEST_CASE("a stalled transfer fails after the stall timeout") {
  const qd::test::ScratchDir dir("http_source_stall");
  write_file(dir / "cat.ndjson", sample_bytes(100'000));
  const qd::test::HttpTestServer server(dir.path());
  qd::HttpOptions options;
  options.stall_timeout_s = 1;
  const auto start = std::chrono::steady_clock::now();
  auto source = qd::open_http_source(server.url("stall/cat.ndjson"), {}, options);
  CHECK_THROWS_WITH_AS(
      qd::test::drain(*source),
      doctest::Contains("stalled: nothing received for 1 s after 50000 body bytes"),
      qd::SourceError);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("redirects are followed, and a body without Content-Length is read to its end") {
  const qd::test::ScratchDir dir("http_source_redirect");
  const std::string bytes = sample_bytes(300'000);
  write_file(dir / "The Eiffel Tower.ndjson", bytes);
  const qd::test::HttpTestServer server(dir.path());

  auto redirected = qd::open_http_source(server.url("redirect/The%20Eiffel%20Tower.ndjson"));
  CHECK(redirected->info().status == 200);
  CHECK(redirected->info().effective_url == server.url("The%20Eiffel%20Tower.ndjson"));
  CHECK(qd::test::drain(*redirected) == bytes);

  auto chunked = qd::open_http_source(server.url("chunked/The%20Eiffel%20Tower.ndjson"));
  CHECK(chunked->info().content_length == -1);
  CHECK(qd::test::drain(*chunked) == bytes);
  CHECK(chunked->bytes_received() == bytes.size());
}

TEST_CASE("a gzipped body inflates through open_decoded, the transfer still observable") {
  const qd::test::ScratchDir dir("http_source_gzip");
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"key_id\":\"" + std::to_string(i) + "\"}\n";
  const std::string packed = qd::test::gzip(text);
  write_file(dir / "cat.ndjson", packed);
  const qd::test::HttpTestServer server(dir.path());

  auto http = qd::open_http_source(server.url("cat.ndjson"));
  qd::HttpSource* transfer = http.get();  // owned by the decoder from here on
  auto decoded = qd::open_decoded(std::move(http));
  CHECK(qd::test::drain(*decoded) == text);
  CHECK_FALSE(decoded->truncated());
  CHECK(decoded->name() == server.url("cat.ndjson"));
  CHECK(transfer->bytes_received() == packed.size());
  CHECK(transfer->info().content_length == static_cast<int64_t>(packed.size()));
}

TEST_CASE("url_join escapes the name as one path segment") {
  const std::string base = "https://storage.googleapis.com/quickdraw_dataset/full/simplified";
  CHECK(qd::url_join(base, "The Eiffel Tower.ndjson") == base + "/The%20Eiffel%20Tower.ndjson");
  CHECK(qd::url_join(base + "/", "cat.ndjson") == base + "/cat.ndjson");
  CHECK(qd::url_join(base, "t-shirt.ndjson") == base + "/t-shirt.ndjson");
  CHECK(qd::url_join("http://h", "a/b?c#d%") == "http://h/a%2Fb%3Fc%23d%25");
  CHECK(qd::url_join("http://h", "caf\xc3\xa9") == "http://h/caf%C3%A9");
}

TEST_CASE("is_http_url recognises http and https only") {
  CHECK(qd::is_http_url("http://example.com/x"));
  CHECK(qd::is_http_url("HTTPS://example.com/x"));
  CHECK_FALSE(qd::is_http_url("ftp://example.com/x"));
  CHECK_FALSE(qd::is_http_url("/data/http://"));
  CHECK_FALSE(qd::is_http_url("http:/x"));
}
