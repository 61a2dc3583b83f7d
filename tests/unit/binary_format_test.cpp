// Google's binary format: the record parser, the chunker that frames records, format
// recognition, and the flow graph on a binary stream with every kind of fault in it.
#include "qd/pipeline/binary_format.h"

#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <string>
#include <vector>

#include "binary_chunker.h"
#include "byte_helpers.h"
#include "qd/pipeline/input_format.h"
#include "qd/pipeline/prepare_graph.h"
#include "quickdraw_binary.h"
#include "test_support.h"

using qd::test::binary_record;
using qd::test::BinaryStroke;

namespace {

// A drawing that passes qd_prepare's filters: two strokes spanning 0..255.
std::string good_record(uint64_t key_id, int recognized = 1) {
  return binary_record(key_id, "DE", recognized, 1488497110,
                       {{{0, 128, 255}, {10, 200, 30}}, {{40}, {255}}});
}

struct Framed {
  std::vector<std::string> records;  // "<too long N>" for a stand-in
  std::vector<uint64_t> offsets;
  std::vector<uint64_t> first_records;
  bool cut = false;
  uint64_t bytes_read = 0;
};

Framed frame(const std::string& bytes, size_t max_record_bytes = 1 << 20, size_t step = 7) {
  qd::test::StringSource source(bytes, step);
  qd::BinaryChunker chunker(source, 1024, max_record_bytes);
  qd::LineChunk chunk;
  Framed f;
  while (chunker.next(chunk)) {
    f.first_records.push_back(chunk.first_line);
    for (size_t i = 0; i < chunk.lines.size(); ++i) {
      f.records.push_back(i < chunk.too_long.size()
                              ? "<too long " + std::to_string(chunk.too_long[i]) + ">"
                              : std::string(chunk.line(i)));
    }
    f.offsets.insert(f.offsets.end(), chunk.offsets.begin(), chunk.offsets.end());
    f.cut = chunk.last_line_unterminated;
  }
  f.bytes_read = chunker.bytes_read();
  return f;
}

}  // namespace

TEST_CASE("a binary record reads back as the drawing written in Google's layout") {
  const std::string record = good_record(5201136883597312);
  CHECK(record.size() == 17 + 2 + 6 + 2 + 2);
  qd::Drawing d;
  REQUIRE_FALSE(qd::parse_binary_record(record, d));
  CHECK(d.key_id == 5201136883597312);
  CHECK(d.countrycode == "DE");
  CHECK(d.recognized);
  CHECK(d.timestamp == "1488497110");
  CHECK(d.word.empty());
  REQUIRE(d.stroke_ends == std::vector<uint32_t>{3, 4});
  CHECK(d.points[1].x == 128);
  CHECK(d.points[1].y == 200);
  CHECK(d.points[3].x == 40);
  CHECK(d.points[3].y == 255);
  CHECK(qd::test::unix_seconds("2017-03-02 23:25:10.07453 UTC") == 1488497110);
}

TEST_CASE("every fault of a binary record is its own error, naming the record's key_id") {
  qd::Drawing d;
  const auto error = [&](const std::string& bytes) {
    const auto e = qd::parse_binary_record(bytes, d);
    REQUIRE(e);
    return std::string(qd::to_string(e->kind)) + ": " + e->message;
  };
  CHECK(error(good_record(1).substr(0, 16)) ==
        "cut_short: a record of 16 bytes, shorter than the 17-byte header");
  CHECK(d.key_id == 0);
  CHECK(error(binary_record(7, "US", 1, 0, {})) == "empty_drawing: drawing has no strokes");
  CHECK(d.key_id == 7);
  CHECK(error(binary_record(7, "US", 1, 0, {{{1, 2}, {3, 4}}, {{}, {}}})) ==
        "empty_stroke: stroke 1 of 2 has no points");
  CHECK(error(binary_record(7, "US", 2, 0, {{{1}, {1}}})) ==
        "wrong_type: recognized byte is 2, not 0 or 1");
  const std::string whole = good_record(9);
  CHECK(error(whole.substr(0, whole.size() - 1)) ==
        "cut_short: stroke 1 of 2: 1 points need 2 bytes, the record has 1 left");
  CHECK(error(whole.substr(0, 17 + 2 + 6 + 1)) ==
        "cut_short: stroke 1 of 2: the record ends (26 bytes) before its point count");
  CHECK(d.key_id == 9);
  CHECK(error(whole + "x") ==
        "length_mismatch: 1 bytes after the last stroke (the record is 29 "
        "bytes)");
}

TEST_CASE("the binary chunker frames records however the bytes arrive, and says where each is") {
  std::string stream;
  std::vector<std::string> records;
  for (uint64_t k = 1; k <= 200; ++k) {  // several chunks of 1 KiB
    records.push_back(good_record(k));
    stream += records.back();
  }
  for (const size_t step : {size_t{1}, size_t{7}, size_t{4096}}) {
    const Framed f = frame(stream, 1 << 20, step);
    CHECK(f.records == records);
    CHECK(f.offsets.size() == 200);
    CHECK(f.offsets[1] == records[0].size());
    CHECK(f.offsets[199] == 199 * records[0].size());
    CHECK(f.first_records.size() > 2);
    // Records are numbered on across chunks: the second chunk's first is the first's count + 1.
    CHECK(f.first_records[1] > 1);
    CHECK_FALSE(f.cut);
    CHECK(f.bytes_read == stream.size());
  }
}

TEST_CASE("a binary record over the limit is walked past unkept, and a cut tail is flagged") {
  // 300 strokes of 200 points: 120,617 bytes, over a 64 KiB limit.
  const std::vector<BinaryStroke> big(
      300, BinaryStroke{std::vector<uint8_t>(200, 1), std::vector<uint8_t>(200, 2)});
  const std::string large = binary_record(42, "FR", 1, 0, big);
  REQUIRE(large.size() == 17 + 300 * 402);
  const std::string a = good_record(1);
  const std::string b = good_record(2);
  const Framed f = frame(a + large + b + large.substr(0, 1000), 65536);
  REQUIRE(f.records.size() == 4);
  CHECK(f.records[0] == a);
  CHECK(f.records[1] == "<too long 120617>");
  CHECK(f.records[2] == b);
  CHECK(f.records[3] == large.substr(0, 1000));  // cut: handed on, for the parser to refuse
  CHECK(f.offsets == std::vector<uint64_t>{0, a.size(), a.size() + large.size(),
                                           a.size() + large.size() + b.size()});
  CHECK(f.cut);
  // A long record cut off is walked to the end of the stream.
  const Framed g = frame(a + large.substr(0, 100000), 65536);
  REQUIRE(g.records.size() == 2);
  CHECK(g.records[1] == "<too long 100000>");
  CHECK(g.cut);
  // A stream ending inside the 17-byte header of a record.
  const Framed h = frame(a + a.substr(0, 5));
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[1] == a.substr(0, 5));
  CHECK(h.cut);
  CHECK(frame("").records.empty());
}

TEST_CASE("a source's format is recognised by its first bytes") {
  CHECK(qd::sniff_input_format(good_record(1)) == qd::InputFormat::kBinary);
  CHECK(qd::sniff_input_format(good_record(1, 0)) == qd::InputFormat::kBinary);
  CHECK(qd::sniff_input_format(R"({"key_id":"1","drawing":[[[1,2],[3,4]]]})") ==
        qd::InputFormat::kNdjson);
  CHECK(
      qd::sniff_input_format("{\"drawing\": [ [ [1.5, 2], [3, 4], [0, 17] ], [[1],[2],[3]]]}\n") ==
      qd::InputFormat::kRaw);
  CHECK(qd::sniff_input_format("\xEF\xBB\xBF {\"drawing\":[[[1,2],[3,4]]]}") ==
        qd::InputFormat::kNdjson);
  // Not recognised: the name decides (render_in_order).
  CHECK(qd::sniff_input_format("") == qd::InputFormat::kAuto);
  CHECK(qd::sniff_input_format("not json at all") == qd::InputFormat::kAuto);
  CHECK(qd::sniff_input_format(std::string(100, '\0')) == qd::InputFormat::kAuto);
  // A record of no strokes first is not recognised as binary (a file of zeros would be).
  CHECK(qd::sniff_input_format(binary_record(2, "US", 1, 0, {}) + good_record(1)) ==
        qd::InputFormat::kAuto);
  CHECK(qd::parse_input_format("binary") == qd::InputFormat::kBinary);
  CHECK_THROWS_AS(qd::parse_input_format("bin"), std::invalid_argument);
}

TEST_CASE("a binary stream's bad records are counted under their reasons, with their offsets") {
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, 2);
  qd::test::ScratchDir dir("binary_graph");
  std::string stream;
  std::vector<uint64_t> offsets;
  const auto add = [&](const std::string& record) {
    offsets.push_back(stream.size());
    stream += record;
  };
  add(good_record(1));
  add(binary_record(2, "US", 1, 0, {}));                              // malformed: no strokes
  add(good_record(3, 0));                                             // unrecognized
  add(good_record(1));                                                // duplicate
  add(binary_record(5, "US", 1, 0, {{{1, 2}, {1, 2}}}));              // truncated: too small
  add(binary_record(6, "US", 1, 0, {{{0, 255}, {0, 9}}, {{}, {}}}));  // malformed: empty stroke
  add(good_record(7));
  add(good_record(8).substr(0, 20));  // cut tail
  auto source = qd::open_decoded(std::make_unique<qd::test::StringSource>(stream, 5));
  qd::ShardSetWriter writer(dir.path().string(), 28, 1000);
  qd::GraphOptions o;
  o.render.chunk_bytes = 1024;
  std::vector<qd::RejectedRecord> rejected;
  qd::GraphCallbacks callbacks;
  callbacks.rejected = [&](const qd::RejectedRecord& r) { rejected.push_back(r); };
  const std::atomic<bool> stop{false};
  const qd::GraphResult r = qd::run_prepare_graph(*source, writer, o, callbacks, stop);
  writer.finish();
  CHECK(r.format == qd::InputFormat::kBinary);
  CHECK(r.counts.read == 8);
  CHECK(r.counts.kept == 2);
  CHECK(r.counts.rejected[qd::RejectReason::kMalformed] == 2);
  CHECK(r.counts.rejected[qd::RejectReason::kUnrecognized] == 1);
  CHECK(r.counts.rejected[qd::RejectReason::kDuplicate] == 1);
  CHECK(r.counts.rejected[qd::RejectReason::kTruncated] == 2);
  CHECK(r.last_line_cut);
  REQUIRE(rejected.size() == 4);
  CHECK(rejected[0].line == 2);
  CHECK(rejected[0].offset == offsets[1]);
  CHECK(rejected[0].key_id == 2);
  CHECK(rejected[0].detail == "empty_drawing: drawing has no strokes");
  CHECK(rejected[2].offset == offsets[5]);
  CHECK(rejected[3].line == 8);
  CHECK(rejected[3].offset == offsets[7]);
  CHECK(rejected[3].reason == qd::RejectReason::kTruncated);
  CHECK(rejected[3].detail.rfind("the stream ends inside the last record: cut_short", 0) == 0);
}

TEST_CASE("a source is refused when its content is not the format asked for") {
  const auto read_as = [](const std::string& bytes, qd::InputFormat format) {
    qd::test::StringSource source(bytes);
    qd::RenderOptions o;
    o.input_format = format;
    const std::atomic<bool> stop{false};
    return qd::render_in_order(
        source, o, [](const qd::RenderedChunk&) { return true; }, stop);
  };
  CHECK_THROWS_WITH_AS(read_as("{\"key_id\": \"1\"}\n", qd::InputFormat::kBinary),
                       "memory: holds ndjson text, but --input-format is binary (auto recognises "
                       "what a source holds)",
                       qd::SourceError);
  CHECK_THROWS_WITH_AS(read_as(good_record(1), qd::InputFormat::kNdjson),
                       "memory: holds Google's binary format, but --input-format is ndjson (auto "
                       "recognises what a source holds)",
                       qd::SourceError);
  CHECK_FALSE(read_as(good_record(1), qd::InputFormat::kBinary));
  CHECK_FALSE(read_as(good_record(1), qd::InputFormat::kAuto));
}
