// What the fuzz targets (fuzz/, docs/fuzzing.md) found, and what the readers now refuse that they
// used to accept (docs/formats.md, "What the readers accept"): each input kept as a test.

#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "byte_helpers.h"
#include "line_chunker.h"
#include "qd/store/manifest.h"
#include "qd/store/npy.h"
#include "test_support.h"

namespace {

// An .npy file whose header dictionary is `dict` (format `major`.`minor`), then `data`.
std::string npy_file(std::string dict, const std::string& data, char major = 1, char minor = 0) {
  const size_t preamble = major == 1 ? 10 : 12;
  dict.resize((preamble + dict.size() + 1 + 63) / 64 * 64 - preamble - 1, ' ');
  dict += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += major;
  bytes += minor;
  bytes += static_cast<char>(dict.size() & 0xff);
  bytes += static_cast<char>(dict.size() >> 8);
  if (major != 1) bytes += std::string(2, '\0');
  return bytes + dict + data;
}

std::string open_npy(const std::string& bytes) {
  qd::test::ScratchDir dir("reader_strictness");
  qd::test::write_file(dir / "a.npy", bytes);
  try {
    const qd::MappedNpy npy((dir / "a.npy").string());
    return "accepted";
  } catch (const qd::StoreError& e) {
    return e.what();
  }
}

// Why a file is refused, as doctest compares it with Contains.
doctest::String refusal(const std::string& bytes) {
  return open_npy(bytes).c_str();
}

std::string manifest_json() {
  qd::Manifest m;
  m.category = "cat";
  m.counts.train = 6;
  qd::ShardInfo s;
  s.file = "train-00000.npy";
  s.keys = "train-00000.keys.npy";
  s.count = 6;
  m.shards.push_back(s);
  return qd::to_json(m);
}

std::string with(std::string json, const std::string& from, const std::string& to) {
  const size_t at = json.find(from);
  REQUIRE(at != std::string::npos);
  return json.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the line chunker's first read does not hand memchr an empty buffer's null data") {
  // gzip_lines_fuzzer, its first input: UBSan's "null pointer passed as argument 1" in
  // LineChunker::next, for every stream (memchr(nullptr, '\n', 0) is undefined).
  qd::test::StringSource source("{}\n{}", 1);
  qd::LineChunker chunker(source);
  qd::LineChunk chunk;
  REQUIRE(chunker.next(chunk));
  REQUIRE(chunk.lines.size() == 2);
  CHECK(chunk.line(1) == "{}");
  CHECK(chunk.last_line_unterminated);
}

TEST_CASE("a gzip stream cut short gives the same bytes however small the reads") {
  // gzip_lines_fuzzer: when the input ran out while zlib still held output for bytes it had
  // consumed (a match being copied), a reader asking for little at a time lost that output.
  std::string text;
  for (int i = 0; i < 400; ++i) text += "{\"word\":\"cat\",\"drawing\":[[[1,2,3],[4,5,6]]]}\n";
  const std::string gz = qd::test::gzip(text);
  const std::string cut = gz.substr(0, gz.size() - 12);  // inside the last block
  const auto read_all = [&](size_t read_size) {
    auto source = qd::open_decoded(std::make_unique<qd::test::StringSource>(cut, 64));
    std::string out(read_size, '\0');
    std::string all;
    for (size_t n; (n = source->read(out.data(), read_size)) > 0;) all.append(out.data(), n);
    CHECK(source->truncated());
    CHECK(source->read(out.data(), 0) == 0);  // a read of nothing returns at once
    return all;
  };
  const std::string whole = read_all(65536);
  CHECK(whole.size() > text.size() / 2);  // most of it: only the cut block is lost
  CHECK(text.compare(0, whole.size(), whole) == 0);
  CHECK(read_all(1) == whole);
  CHECK(read_all(7) == whole);
}

TEST_CASE("an .npy header is read as NumPy writes it, and nothing else") {
  const std::string good = "{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }";
  CHECK(open_npy(npy_file(good, "12345678")) == "accepted");
  CHECK(open_npy(npy_file(good, "12345678", 2)) == "accepted");  // format 2.0: 4-byte length
  CHECK(open_npy(npy_file("{\"descr\": \"|u1\", \"shape\": (2, 1), \"fortran_order\": False}",
                          "ab")) == "accepted");

  // Big-endian data would be read with its bytes reversed.
  CHECK(refusal(npy_file(with(good, "<u8", ">u8"), "12345678")) ==
        doctest::Contains("unsupported dtype '>u8'"));
  CHECK(refusal(npy_file(with(good, "<u8", "<u3"), "123")) ==
        doctest::Contains("unsupported dtype '<u3'"));
  CHECK(refusal(npy_file(with(good, "(1,)", "(1)"), "12345678")) ==
        doctest::Contains("shape (n) is not a tuple"));
  CHECK(refusal(npy_file(with(good, "}", "'shape': (1,), }"), "12345678")) ==
        doctest::Contains("gives 'shape' twice"));
  CHECK(refusal(npy_file(with(good, "}", "'order': 'C'}"), "12345678")) ==
        doctest::Contains("unknown key 'order'"));
  CHECK(refusal(npy_file(with(good, "False", "0"), "12345678")) ==
        doctest::Contains("fortran_order is not True or False"));
  CHECK(refusal(npy_file(with(good, "}", "} }"), "12345678")) ==
        doctest::Contains("not one {...} dictionary"));
  CHECK(refusal(npy_file(good, "12345678", 1, 1)) ==
        doctest::Contains("unsupported format version 1.1"));
}

TEST_CASE("an .npy file of no rows still has rows whose size fits 64 bits") {
  // npy_fuzzer: shape (0, 2^32, 2^32) was accepted with row_bytes() wrapped around to 0.
  const std::string dict =
      "{'descr': '|u1', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296), }";
  CHECK(refusal(npy_file(dict, "")) == doctest::Contains("is larger than any file"));
}

TEST_CASE("a JSON file qd reads may not give one key twice") {
  const std::string json = manifest_json();
  CHECK_NOTHROW(qd::parse_manifest(json, "m.json"));
  const std::string twice = with(json, "\"count\": 6", "\"count\": 6, \"count\": 7");
  CHECK_THROWS_WITH_AS(qd::parse_manifest(twice, "m.json"),
                       doctest::Contains("m.json: bad manifest: key \"count\" appears twice"),
                       qd::StoreError);
}

TEST_CASE("manifest numbers are compared before they are narrowed") {
  const std::string json = manifest_json();
  const std::string version = with(json, "\"format_version\": 1", "\"format_version\": 4294967297");
  CHECK_THROWS_WITH(qd::parse_manifest(version, "m.json"),
                    doctest::Contains("format_version 4294967297"));
  const std::string side = with(json, "\"side\": 28", "\"side\": 4294967324");
  CHECK_THROWS_WITH(qd::parse_manifest(side, "m.json"),
                    doctest::Contains("side differs from size"));
  const std::string zero =
      with(with(json, "\"side\": 28", "\"side\": 0"), "\"size\": 28", "\"size\": 0");
  CHECK_THROWS_WITH(qd::parse_manifest(zero, "m.json"),
                    doctest::Contains("\"size\" must be in 1..4096, not 0"));
}

TEST_CASE("a manifest's options are held to the command line's ranges") {
  // Line width 0 was accepted once, and made black images: such a dataset is not trusted.
  const std::string json = manifest_json();
  CHECK_THROWS_WITH_AS(
      qd::parse_manifest(with(json, "\"line_width\": 16", "\"line_width\": 0"), "m.json"),
      "m.json: bad manifest: \"line_width\" must be in 0.1..64, not 0", qd::StoreError);
  CHECK_THROWS_WITH(
      qd::parse_manifest(with(json, "\"max_record_bytes\": 262144", "\"max_record_bytes\": 0"),
                         "m.json"),
      doctest::Contains("\"max_record_bytes\" must be in 1024..1073741824, not 0"));
  CHECK_THROWS_WITH(
      qd::parse_manifest(with(json, "\"val_fraction\": 0.05", "\"val_fraction\": 1.5"), "m.json"),
      doctest::Contains("\"val_fraction\" must be in 0..1, not 1.5"));
}
