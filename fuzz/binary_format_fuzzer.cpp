// Google's binary format: the chunker that frames records and the record parser, on one stream.
// Framing must cut the stream into exactly the records an independent walk of the published
// layout finds, whatever the read sizes; a record over the limit is a stand-in of its true
// length, and only a stream ending inside a record is flagged cut. A record the parser accepts
// must be the drawing written back in the published layout, byte for byte; a refusal has one of
// the documented kinds and a message.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "binary_chunker.h"
#include "byte_helpers.h"
#include "fuzz_support.h"
#include "qd/pipeline/binary_format.h"

namespace {

constexpr size_t kMaxRecordBytes = 2048;  // records over it are stood in for

// The fuzz input, handed out at most `step` bytes a read.
std::unique_ptr<qd::ByteSource> fuzz_source(std::string_view input, size_t step) {
  return std::make_unique<qd::test::StringSource>(std::string(input), step, "fuzz input");
}

uint64_t le(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

struct Record {
  uint64_t offset;
  uint64_t length;  // its true length (up to the end of the stream when cut)
  bool cut;         // the stream ends inside it
  bool too_long;    // its counts take it over the limit before the stream ends
};

// The published layout walked over the whole input at once. A record is too long as soon as the
// counts read so far promise more than the limit, or a further count would not fit in it.
std::vector<Record> walk(std::string_view s) {
  std::vector<Record> records;
  for (uint64_t at = 0; at < s.size();) {
    Record r{at, 17, at + 17 > s.size(), false};
    const uint64_t strokes = r.cut ? 0 : le(s, at + 15, 2);
    for (uint64_t i = 0; i < strokes && !r.cut && !r.too_long; ++i) {
      if (r.length + 2 > kMaxRecordBytes) {
        r.too_long = true;
      } else if (at + r.length + 2 > s.size()) {
        r.cut = true;
        r.length = s.size() - at;  // it ends inside this count
      } else {
        r.length += 2 + 2 * le(s, at + r.length, 2);
        r.too_long = r.length > kMaxRecordBytes;
      }
    }
    if (r.too_long) {  // the rest of its counts, to find its end
      uint64_t end = at + 17;
      for (uint64_t i = 0; i < strokes && end <= s.size(); ++i) {
        end = end + 2 > s.size() ? s.size() + 1 : end + 2 + 2 * le(s, end, 2);
      }
      r.cut = end > s.size();
      r.length = std::min<uint64_t>(end, s.size()) - at;
    }
    r.cut = r.cut || at + r.length > s.size();
    r.length = std::min<uint64_t>(r.length, s.size() - at);
    records.push_back(r);
    at += r.length;
  }
  return records;
}

// A drawing as the published layout writes it (the timestamp is the decimal the parser made).
std::string encode(const qd::Drawing& d) {
  std::string out;
  const auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(d.key_id, 8);
  out += d.countrycode;
  put(d.recognized ? 1 : 0, 1);
  put(std::stoull(d.timestamp), 4);
  put(d.stroke_count(), 2);
  for (size_t i = 0; i < d.stroke_count(); ++i) {
    put(d.stroke_ends[i] - d.stroke_begin(i), 2);
    for (uint32_t p = d.stroke_begin(i); p < d.stroke_ends[i]; ++p) out.push_back(d.points[p].x);
    for (uint32_t p = d.stroke_begin(i); p < d.stroke_ends[i]; ++p) out.push_back(d.points[p].y);
  }
  return out;
}

void check_record(std::string_view bytes, bool cut) {
  static qd::Drawing d;
  const auto error = qd::parse_binary_record(bytes, d);
  if (error) {
    const auto kind = static_cast<unsigned>(error->kind);
    QD_FUZZ_CHECK(kind <= static_cast<unsigned>(qd::ParseErrorKind::kCutShort), "a known kind");
    QD_FUZZ_CHECK(!error->message.empty(), "an error says what is wrong");
    // A record cut short may show another fault first (a recognized byte of 7, an empty stroke).
    QD_FUZZ_CHECK(cut || error->kind != qd::ParseErrorKind::kCutShort,
                  "cut_short only for a record the stream ends inside");
    QD_FUZZ_CHECK(error->kind != qd::ParseErrorKind::kLengthMismatch,
                  "a framed record has nothing after its last stroke");
    return;
  }
  QD_FUZZ_CHECK(!cut, "a record cut short is refused");
  QD_FUZZ_CHECK(d.stroke_count() > 0, "an accepted drawing has strokes");
  uint32_t begin = 0;
  for (size_t i = 0; i < d.stroke_count(); ++i) {
    QD_FUZZ_CHECK(d.stroke_ends[i] > begin, "no stroke is empty");
    begin = d.stroke_ends[i];
  }
  QD_FUZZ_CHECK(encode(d) == bytes, "the drawing written back is the record, byte for byte");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte says how the input arrives: 1 to 1,456 bytes a read.
  const size_t step = 1 + (data[0] & 0x0f) * 97;
  const std::string_view input = qd::fuzz::as_text(data + 1, size - 1);
  const std::vector<Record> want = walk(input);

  const auto source = fuzz_source(input, step);
  qd::BinaryChunker chunker(*source, 1024, kMaxRecordBytes);
  qd::LineChunk chunk;
  size_t next = 0;
  uint64_t sequence = 0;
  bool cut = false;
  while (chunker.next(chunk)) {
    QD_FUZZ_CHECK(!cut, "only the last chunk can end in a cut record");
    QD_FUZZ_CHECK(chunk.sequence == sequence++, "chunks are numbered in order");
    QD_FUZZ_CHECK(chunk.first_line == next + 1, "records are numbered on across chunks");
    QD_FUZZ_CHECK(chunk.offsets.size() == chunk.lines.size(), "an offset per record");
    for (size_t i = 0; i < chunk.lines.size(); ++i, ++next) {
      QD_FUZZ_CHECK(next < want.size(), "no more records than the layout has");
      const Record& w = want[next];
      QD_FUZZ_CHECK(chunk.offsets[i] == w.offset, "a record starts where the layout says");
      const bool last = next + 1 == want.size();
      if (i < chunk.too_long.size()) {
        QD_FUZZ_CHECK(chunk.too_long[i] == w.length, "a stand-in has the record's length");
        QD_FUZZ_CHECK(w.too_long, "only a long record is stood in for");
        continue;
      }
      QD_FUZZ_CHECK(!w.too_long, "a record within the limit is kept");
      QD_FUZZ_CHECK(chunk.line(i) == input.substr(w.offset, w.length),
                    "a record is the layout's bytes");
      check_record(chunk.line(i), w.cut && last);
    }
    cut = chunk.last_line_unterminated;
  }
  QD_FUZZ_CHECK(next == want.size(), "every record of the layout is framed");
  QD_FUZZ_CHECK(cut == (!want.empty() && want.back().cut), "a cut tail is flagged, and only then");
  QD_FUZZ_CHECK(chunker.bytes_read() == input.size(), "bytes_read counts every byte");
  return 0;
}
