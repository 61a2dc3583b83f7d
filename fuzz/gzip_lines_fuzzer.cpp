// The gzip decoder and the line chunker on one byte stream, as qd_prepare reads a file or an
// HTTP body. The decoder must decode the same bytes (or fail alike) however its input arrives and
// however its output is asked for; the chunker's lines must be exactly the decoded stream's
// lines, with long lines stood in for by their true length, in order, numbered without gaps.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "byte_helpers.h"
#include "fuzz_support.h"
#include "line_chunker.h"
#include "qd/pipeline/byte_source.h"
#include "qd/pipeline/drawing_parser.h"

namespace {

// A small gzip input can inflate a thousandfold: decoding stops here, to keep inputs fast.
constexpr size_t kMaxDecoded = size_t{256} << 10;
// Small limits, so short inputs reach the chunker's long-line and multi-chunk paths.
constexpr size_t kTargetBytes = 1024;
constexpr size_t kMaxLineBytes = 300;

// The fuzz input, handed out at most `step` bytes a read.
std::unique_ptr<qd::ByteSource> fuzz_source(std::string_view input, size_t step) {
  return std::make_unique<qd::test::StringSource>(std::string(input), step, "fuzz input");
}

// Passes reads through, keeping a copy of what went by, and ends the stream at kMaxDecoded.
class RecordingSource final : public qd::ByteSource {
 public:
  explicit RecordingSource(std::unique_ptr<qd::ByteSource> inner) : inner_(std::move(inner)) {}
  size_t read(char* buffer, size_t size) override {
    if (seen_.size() == kMaxDecoded) return 0;
    const size_t n = inner_->read(buffer, std::min(size, kMaxDecoded - seen_.size()));
    seen_.append(buffer, n);
    return n;
  }
  bool truncated() const override { return inner_->truncated(); }
  const std::string& name() const override { return inner_->name(); }
  const std::string& seen() const { return seen_; }

 private:
  std::unique_ptr<qd::ByteSource> inner_;
  std::string seen_;
};

struct Decoded {
  std::string bytes;
  bool failed = false;  // SourceError
  bool truncated = false;
};

Decoded decode(std::string_view input, size_t in_step, size_t out_step) {
  Decoded d;
  try {
    auto source = qd::open_decoded(fuzz_source(input, in_step));
    std::vector<char> buffer(out_step);
    while (d.bytes.size() < kMaxDecoded) {
      const size_t n =
          source->read(buffer.data(), std::min(out_step, kMaxDecoded - d.bytes.size()));
      if (n == 0) break;
      d.bytes.append(buffer.data(), n);
    }
    d.truncated = source->truncated();
  } catch (const qd::SourceError& e) {
    QD_FUZZ_CHECK(std::string(e.what()).rfind("fuzz input: ", 0) == 0,
                  "a decoding error names the source");
    d.failed = true;
  }
  return d;
}

// The stream's lines as the chunker must see them (without the newline).
std::vector<std::string_view> lines_of(std::string_view stream) {
  if (stream.substr(0, 3) == "\xEF\xBB\xBF") stream.remove_prefix(3);
  std::vector<std::string_view> lines;
  while (!stream.empty()) {
    const size_t nl = stream.find('\n');
    lines.push_back(stream.substr(0, nl));
    stream.remove_prefix(nl == std::string_view::npos ? stream.size() : nl + 1);
  }
  return lines;
}

// Chunks the input as it arrives whole, checks the lines against the decoded bytes the chunker
// saw, and returns those (the decoder's output as the pipeline reads it).
Decoded check_chunks(std::string_view input) {
  Decoded d;
  RecordingSource recorded(qd::open_decoded(fuzz_source(input, input.size())));
  qd::LineChunker chunker(recorded, kTargetBytes, kMaxLineBytes);
  std::vector<std::optional<std::string>> got;  // nullopt: a too-long stand-in
  std::vector<uint64_t> too_long;
  qd::LineChunk chunk;
  uint64_t sequence = 0;
  uint64_t next_line = 1;
  bool unterminated = false;
  try {
    while (chunker.next(chunk)) {
      QD_FUZZ_CHECK(!unterminated, "only the last chunk can end in an unterminated line");
      QD_FUZZ_CHECK(chunk.sequence == sequence++, "chunks are numbered in order");
      QD_FUZZ_CHECK(chunk.first_line == next_line, "line numbers continue across chunks");
      next_line += chunk.lines.size();
      QD_FUZZ_CHECK(chunk.too_long.size() <= chunk.lines.size(), "a stand-in per long line");
      size_t end = 0;
      for (size_t i = 0; i < chunk.lines.size(); ++i) {
        if (i < chunk.too_long.size()) {
          QD_FUZZ_CHECK(chunk.lines[i].length == 0, "a stand-in is empty");
          got.emplace_back(std::nullopt);
          too_long.push_back(chunk.too_long[i]);
          continue;
        }
        const std::string_view line = chunk.line(i);
        QD_FUZZ_CHECK(line.find('\n') == std::string_view::npos, "a line holds no newline");
        end = std::max<size_t>(end, chunk.lines[i].offset + chunk.lines[i].length);
        got.emplace_back(std::string(line));
      }
      QD_FUZZ_CHECK(chunk.bytes.size() >= end + qd::DrawingParser::kPadding,
                    "the parser's padding follows the last line");
      for (size_t i = chunk.bytes.size() - qd::DrawingParser::kPadding; i < chunk.bytes.size();
           ++i) {
        QD_FUZZ_CHECK(chunk.bytes[i] == '\0', "the padding is zero bytes");
      }
      unterminated = chunk.last_line_unterminated;
    }
  } catch (const qd::SourceError& e) {
    QD_FUZZ_CHECK(std::string(e.what()).rfind("fuzz input: ", 0) == 0,
                  "a decoding error names the source");
    d.failed = true;
    return d;
  }
  d.bytes = recorded.seen();
  d.truncated = recorded.truncated();
  QD_FUZZ_CHECK(chunker.bytes_read() == recorded.seen().size(), "bytes_read counts every byte");

  const std::vector<std::string_view> want = lines_of(recorded.seen());
  QD_FUZZ_CHECK(got.size() == want.size(),
                "one line out per line in: " + std::to_string(got.size()) + " for " +
                    std::to_string(want.size()));
  size_t stand_in = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!got[i]) {
      QD_FUZZ_CHECK(too_long[stand_in] == want[i].size(), "a stand-in has the line's length");
      QD_FUZZ_CHECK(want[i].size() > kMaxLineBytes, "only a long line is stood in for");
      ++stand_in;
      continue;
    }
    std::string_view w = want[i];
    if (!w.empty() && w.back() == '\r') w.remove_suffix(1);
    QD_FUZZ_CHECK(*got[i] == w, "line " + std::to_string(i + 1) + " is the stream's line");
  }
  const std::string& seen = recorded.seen();
  const bool last_kept = !got.empty() && got.back().has_value();
  const bool ends_open = !want.empty() && !seen.empty() && seen.back() != '\n';
  QD_FUZZ_CHECK(unterminated == (ends_open && last_kept),
                "an unterminated last line is flagged, and only then");
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte says how the input arrives and how the output is asked for.
  const size_t in_step = 1 + (data[0] & 0x0f) * 97;
  const size_t out_step = 1 + (data[0] >> 4) * 4099;
  const std::string_view input = qd::fuzz::as_text(data + 1, size - 1);

  const Decoded whole = check_chunks(input);
  const Decoded pieces = decode(input, in_step, out_step);
  // At the cap one may stop short of a fault the other met in the same call: compare below it.
  const bool capped = whole.bytes.size() == kMaxDecoded || pieces.bytes.size() == kMaxDecoded;
  QD_FUZZ_CHECK(capped || whole.failed == pieces.failed,
                "decoding fails alike however the bytes arrive");
  if (!whole.failed && !pieces.failed) {
    QD_FUZZ_CHECK(whole.bytes == pieces.bytes, "the same bytes however they arrive");
    QD_FUZZ_CHECK(whole.truncated == pieces.truncated, "the same truncation however they arrive");
  }
  const bool gzip = input.size() >= 2 && input.substr(0, 2) == "\x1f\x8b";
  if (!gzip) {
    QD_FUZZ_CHECK(!whole.failed && !whole.truncated, "plain bytes pass through");
    QD_FUZZ_CHECK(whole.bytes == input.substr(0, kMaxDecoded), "plain bytes pass unchanged");
  }
  return 0;
}
