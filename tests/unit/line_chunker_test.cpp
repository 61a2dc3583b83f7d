#include "line_chunker.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "byte_helpers.h"
#include "qd/pipeline/drawing_parser.h"

namespace {

struct Split {
  std::vector<std::string> lines;
  std::vector<uint64_t> numbers;
  bool unterminated = false;
  size_t chunks = 0;
};

Split split(const std::string& text, size_t target, size_t step = 7) {
  qd::test::StringSource source(text, step);
  qd::LineChunker chunker(source, target);
  qd::LineChunk chunk;
  Split out;
  while (chunker.next(chunk)) {
    CHECK(chunk.sequence == out.chunks);
    ++out.chunks;
    // The padding the parser relies on is there, and zero.
    const size_t end =
        chunk.lines.empty() ? 0 : chunk.lines.back().offset + chunk.lines.back().length;
    REQUIRE(chunk.bytes.size() >= end + qd::DrawingParser::kPadding);
    CHECK(chunk.bytes.back() == '\0');
    for (size_t i = 0; i < chunk.lines.size(); ++i) {
      out.lines.emplace_back(chunk.line(i));
      out.numbers.push_back(chunk.line_number(i));
    }
    out.unterminated = out.unterminated || chunk.last_line_unterminated;
  }
  return out;
}

}  // namespace

TEST_CASE("lines come out whole, numbered from 1, across many chunks") {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += "record " + std::to_string(i) + std::string(i % 50, '.') + "\n";
  const Split s = split(text, 1024, 333);
  REQUIRE(s.lines.size() == 3000);
  CHECK(s.chunks > 10);
  for (int i = 0; i < 3000; ++i) {
    CHECK(s.lines[i] == "record " + std::to_string(i) + std::string(i % 50, '.'));
    CHECK(s.numbers[i] == static_cast<uint64_t>(i + 1));
  }
  CHECK_FALSE(s.unterminated);
}

TEST_CASE("an unterminated last line is delivered and flagged") {
  const Split s = split("one\ntwo\nthr", 1024);
  REQUIRE(s.lines.size() == 3);
  CHECK(s.lines[2] == "thr");
  CHECK(s.unterminated);
}

TEST_CASE("CRLF line ends are accepted and empty lines kept") {
  const Split s = split("a\r\n\nb\n", 1024);
  REQUIRE(s.lines.size() == 3);
  CHECK(s.lines[0] == "a");
  CHECK(s.lines[1] == "");
  CHECK(s.lines[2] == "b");
}

TEST_CASE("an empty stream has no chunks") {
  const Split s = split("", 1024);
  CHECK(s.chunks == 0);
  CHECK(s.lines.empty());
}

TEST_CASE("a line longer than the chunk target still comes out whole") {
  const std::string big(100000, 'x');
  const Split s = split("a\n" + big + "\nb\n", 1024, 4096);
  REQUIRE(s.lines.size() == 3);
  CHECK(s.lines[1] == big);
  CHECK(s.numbers[2] == 3);
}

TEST_CASE("a line over the limit is read past unkept, and stands in as too long") {
  const std::string huge(300000, 'x');
  qd::test::StringSource source("a\n" + huge + "\nb\n" + huge + huge + "\n" + huge, 4096);
  qd::LineChunker chunker(source, 1024, 100000);
  qd::LineChunk chunk;
  std::vector<std::string> lines;
  std::vector<uint64_t> too_long;
  size_t largest = 0;
  while (chunker.next(chunk)) {
    largest = std::max(largest, chunk.bytes.size());
    for (size_t i = 0; i < chunk.lines.size(); ++i) {
      lines.emplace_back(i < chunk.too_long.size() ? "<too long>" : std::string(chunk.line(i)));
    }
    too_long.insert(too_long.end(), chunk.too_long.begin(), chunk.too_long.end());
  }
  CHECK(lines == std::vector<std::string>{"a", "<too long>", "b", "<too long>", "<too long>"});
  CHECK(too_long == std::vector<uint64_t>{300000, 600000, 300000});
  CHECK(largest < 110000 + qd::DrawingParser::kPadding);  // never the whole line in memory
}

TEST_CASE("a UTF-8 byte order mark at the start of the stream is dropped") {
  const Split s = split("\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF\n", 1024, 1);
  CHECK(s.lines == std::vector<std::string>{"{\"a\":1}", "\xEF\xBB\xBF"});  // only the first
}
