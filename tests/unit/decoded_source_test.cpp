#include <doctest/doctest.h>

#include "byte_helpers.h"
#include "test_support.h"

using qd::test::decode;
using qd::test::gzip;

TEST_CASE("plain text passes through unchanged, whatever its size") {
  CHECK(decode("") == "");
  CHECK(decode("a") == "a");
  CHECK(decode("\x1f") == "\x1f");
  const std::string text = "{\"word\":\"cat\"}\n{\"word\":\"dog\"}\n";
  CHECK(decode(text) == text);
}

TEST_CASE("gzip is detected by its magic bytes and inflated") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + "\n";
  bool truncated = true;
  CHECK(decode(gzip(text), &truncated) == text);
  CHECK_FALSE(truncated);
}

TEST_CASE("multi-member gzip yields every member in order") {
  bool truncated = true;
  CHECK(decode(gzip("first\n") + gzip("second\n") + gzip("third\n"), &truncated) ==
        "first\nsecond\nthird\n");
  CHECK_FALSE(truncated);
}

TEST_CASE("a gzip stream cut short gives what it held and says it was truncated") {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"n\":" + std::to_string(i * 7919 % 10007) + "}\n";
  const std::string packed = gzip(text);
  bool truncated = false;
  const std::string got = decode(packed.substr(0, packed.size() / 2), &truncated);
  CHECK(truncated);
  CHECK(!got.empty());
  CHECK(text.compare(0, got.size(), got) == 0);
}

TEST_CASE("corrupt gzip data is an error naming the source") {
  std::string packed = gzip(std::string(10000, 'x') + "\n");
  packed[12] ^= 0x55;
  packed[13] ^= 0x55;
  packed[20] ^= 0x55;
  CHECK_THROWS_WITH_AS(decode(packed), doctest::Contains("memory: corrupt gzip data"),
                       qd::SourceError);
}

TEST_CASE("a file that cannot be opened is an error naming it") {
  CHECK_THROWS_WITH_AS(qd::open_file_source("/nonexistent/cat.ndjson"),
                       doctest::Contains("/nonexistent/cat.ndjson: cannot open"), qd::SourceError);
}

TEST_CASE("bytes after the last gzip member are named as trailing data, not corrupt gzip") {
  std::string bytes = gzip("line 1\n") + gzip("line 2\n") + "GARBAGE";
  CHECK_THROWS_WITH_AS(decode(bytes),
                       doctest::Contains("bytes after gzip member 2 (from compressed byte"),
                       qd::SourceError);
  std::string damaged = gzip(std::string(20000, 'a') + "b");
  damaged[damaged.size() / 2] ^= 0x55;
  CHECK_THROWS_WITH_AS(decode(damaged), doctest::Contains("corrupt gzip data in member 1"),
                       qd::SourceError);
}
