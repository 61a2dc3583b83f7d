// qd_prepare on Google's other formats: a mirror of .bin files written in Google's published
// layout from ../shared's simplified drawings gives byte-identical shards to the ndjson mirror;
// faults in a .bin file are reported with their byte offsets; --input-format.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "prepare_command.h"
#include "qd/pipeline/drawing_parser.h"
#include "qd/store/manifest.h"
#include "qd/store/npy.h"
#include "quickdraw_binary.h"
#include "test_support.h"

using qd::test::qd_prepare;
using qd::test::quoted;
using qd::test::run_command;
using qd::test::fs::path;

namespace {

// Every line of an ndjson file as one binary record each (lines that do not parse are left out:
// the binary format cannot hold them).
std::string to_binary(const path& ndjson, size_t* records = nullptr) {
  const std::string text = qd::test::read_file(ndjson);
  qd::DrawingParser parser;
  qd::Drawing d;
  std::string out;
  size_t n = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (!parser.parse_unpadded(std::string_view(text).substr(start, end - start), d)) {
      out += qd::test::binary_record(d);
      ++n;
    }
    start = end + 1;
  }
  if (records != nullptr) *records = n;
  return out;
}

// A prepared category's images, by key_id.
std::map<uint64_t, std::string> images_by_key(const path& category) {
  std::map<uint64_t, std::string> images;
  for (const auto& s : qd::read_manifest((category / "manifest.json").string()).shards) {
    const qd::MappedNpy keys((category / s.keys).string());
    const qd::MappedNpy npy((category / s.file).string());
    for (uint64_t i = 0; i < npy.rows(); ++i) {
      uint64_t key = 0;
      std::memcpy(&key, keys.row(i), sizeof key);
      images[key] = std::string(reinterpret_cast<const char*>(npy.row(i)), npy.row_bytes());
    }
  }
  return images;
}

std::vector<std::string> categories_of(const path& dir) {
  std::vector<std::string> names;
  for (const auto& e : qd::test::fs::directory_iterator(dir)) names.push_back(e.path().stem());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("a mirror of Google's .bin files gives the ndjson mirror's shards byte for byte") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("binary_mirror");
  // Two mirrors of one format each: "cat" holds all 8,600 drawings of simplified/ (the 344 files
  // one after another, in name order), "The Eiffel Tower" its own 25.
  const path ndjson = dir / "ndjson";
  const path bin = dir / "bin";
  qd::test::fs::create_directories(ndjson);
  qd::test::fs::create_directories(bin);
  std::string all_text;
  std::string all_binary;
  size_t records = 0;
  for (const std::string& name : categories_of(shared / "simplified")) {
    size_t n = 0;
    all_text += qd::test::read_file(shared / "simplified" / (name + ".ndjson"));
    all_binary += to_binary(shared / "simplified" / (name + ".ndjson"), &n);
    records += n;
  }
  CHECK(records == 8600);
  qd::test::write_file(ndjson / "cat.ndjson", all_text);
  qd::test::write_file(bin / "cat.bin", all_binary);
  const std::string tower = "The Eiffel Tower";
  qd::test::fs::copy_file(shared / "simplified" / (tower + ".ndjson"),
                          ndjson / (tower + ".ndjson"));
  qd::test::write_file(bin / (tower + ".bin"),
                       to_binary(shared / "simplified" / (tower + ".ndjson")));

  const std::string common = " -q --categories 'cat,The Eiffel Tower' --shard-size 1000 ";
  for (const path& mirror : {ndjson, bin}) {
    const auto r = run_command(qd_prepare(common + "--source " + quoted(mirror) + " --out " +
                                          quoted(dir / "out" / mirror.filename())));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  }
  size_t files = 0;
  for (const std::string name : {"cat", "The Eiffel Tower"}) {
    const path a_dir = dir / "out" / "ndjson" / name;
    const path b_dir = dir / "out" / "bin" / name;
    const qd::Manifest a = qd::read_manifest((a_dir / "manifest.json").string());
    const qd::Manifest b = qd::read_manifest((b_dir / "manifest.json").string());
    CHECK(a.source.format == "ndjson");
    CHECK(b.source.format == "binary");
    CHECK(b.source.location == (bin / (name + ".bin")).string());
    CHECK(a.counts.read == b.counts.read);
    CHECK(a.counts.kept == b.counts.kept);
    CHECK(a.counts.rejected.by_reason == b.counts.rejected.by_reason);
    REQUIRE(a.shards.size() == b.shards.size());
    for (size_t i = 0; i < a.shards.size(); ++i) {
      for (const std::string* file : {&a.shards[i].file, &a.shards[i].keys}) {
        const std::string where = name + "/" + *file;
        CHECK_MESSAGE(qd::test::read_file(a_dir / *file) == qd::test::read_file(b_dir / *file),
                      where);
        ++files;
      }
    }
  }
  // 7,920 recognised drawings of cat in 8 train and 1 val shards, and the tower's 2 and 2.
  CHECK(files == 2 * (9 + 2));
}

TEST_CASE("a .bin file's faults name their byte offsets, and a cut tail fails the category") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("binary_faults");
  const path mirror = dir / "mirror";
  qd::test::fs::create_directories(mirror);
  const std::string cat = to_binary(shared / "simplified" / "cat.ndjson");
  // A record of no strokes after the real ones: framed, refused, and the run goes on.
  const std::string empty = qd::test::binary_record(77, "US", 1, 0, {});
  const std::string dog = to_binary(shared / "simplified" / "dog.ndjson");
  qd::test::write_file(mirror / "cat.bin", cat + empty + dog);
  const std::string command =
      "--categories cat --source " + quoted(mirror) + " --out " + quoted(dir / "data");
  const auto r = run_command(qd_prepare(command));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("cat.bin: record 26 at byte " + std::to_string(cat.size()) +
                      ": key_id 77: malformed: empty_drawing: drawing has no strokes") !=
        std::string::npos);
  const qd::Manifest m = qd::read_manifest((dir / "data" / "cat" / "manifest.json").string());
  CHECK(m.counts.read == 51);
  CHECK(m.counts.rejected[qd::RejectReason::kMalformed] == 1);

  // Cut inside its last record: counted, and the category refused as cut off (its previous
  // output kept), as for an ndjson file whose last line is cut.
  qd::test::write_file(mirror / "cat.bin", cat.substr(0, cat.size() - 3));
  const auto cut = run_command(qd_prepare(command + " --force"));
  CHECK(cut.exit_code == 3);
  CHECK(cut.output.find(": truncated: the stream ends inside the last record: cut_short") !=
        std::string::npos);
  CHECK(cut.output.find("the stream ends inside the last record: the file is cut off") !=
        std::string::npos);
  CHECK(qd::read_manifest((dir / "data" / "cat" / "manifest.json").string()).counts.read == 51);

  // Gzipped, as .bin.gz: recognised by its magic bytes, then by content.
  qd::test::fs::remove(mirror / "cat.bin");
  qd::test::write_file(mirror / "cat.bin.raw", cat);
  REQUIRE(run_command("gzip -c " + quoted(mirror / "cat.bin.raw") + " > " +
                      quoted(mirror / "cat.bin.gz"))
              .exit_code == 0);
  qd::test::fs::remove(mirror / "cat.bin.raw");
  const auto zipped = run_command(qd_prepare(command + " --force --allow-shrink"));
  REQUIRE_MESSAGE(zipped.exit_code == 0, zipped.output);
  const qd::Manifest z = qd::read_manifest((dir / "data" / "cat" / "manifest.json").string());
  CHECK(z.source.location == (mirror / "cat.bin.gz").string());
  CHECK(z.source.format == "binary");
  CHECK(z.counts.read == 25);
}

TEST_CASE("--input-format chooses the file and refuses content of another format") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("input_format");
  const path mirror = dir / "mirror";
  qd::test::fs::create_directories(mirror);
  qd::test::fs::copy_file(shared / "simplified" / "cat.ndjson", mirror / "cat.ndjson");
  qd::test::write_file(mirror / "cat.bin", to_binary(shared / "simplified" / "dog.ndjson"));
  const std::string command =
      "--categories cat --source " + quoted(mirror) + " --out " + quoted(dir / "data");
  // auto: the ndjson file first, when there is one.
  REQUIRE(run_command(qd_prepare(command)).exit_code == 0);
  CHECK(qd::read_manifest((dir / "data/cat/manifest.json").string()).source.format == "ndjson");
  // binary: the .bin file; the category is rebuilt though the ndjson file did not change.
  const auto bin = run_command(qd_prepare(command + " --input-format binary"));
  REQUIRE_MESSAGE(bin.exit_code == 0, bin.output);
  const qd::Manifest m = qd::read_manifest((dir / "data/cat/manifest.json").string());
  CHECK(m.source.format == "binary");
  CHECK(m.source.location == (mirror / "cat.bin").string());
  // A .bin that holds ndjson text is refused, naming the file.
  qd::test::fs::copy_file(shared / "simplified" / "cat.ndjson", mirror / "cat.bin",
                          qd::test::fs::copy_options::overwrite_existing);
  const auto wrong = run_command(qd_prepare(command + " --input-format binary"));
  CHECK(wrong.exit_code == 3);
  CHECK(wrong.output.find("cat.bin: holds ndjson text, but --input-format is binary") !=
        std::string::npos);
  const auto bad = run_command(qd_prepare(command + " --input-format bin"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--input-format must be auto, ndjson, binary or raw, not 'bin'") !=
        std::string::npos);
}

TEST_CASE("qd_render renders a .bin file as it renders the ndjson it came from") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("render_binary");
  const path ndjson = shared / "simplified" / "The Eiffel Tower.ndjson";
  qd::test::write_file(dir / "tower.bin",
                       to_binary(ndjson) + qd::test::binary_record(5, "US", 1, 0, {}));
  const auto a = run_command(std::string(QD_RENDER_EXE) + " " + quoted(ndjson) + " --out " +
                             quoted(dir / "a.npy"));
  REQUIRE_MESSAGE(a.exit_code == 0, a.output);
  const auto b = run_command(std::string(QD_RENDER_EXE) + " " + quoted(dir / "tower.bin") +
                             " --out " + quoted(dir / "b.npy"));
  CHECK_MESSAGE(b.exit_code == 3, b.output);  // the empty record at the end
  CHECK(b.output.find("tower.bin: record 26 at byte ") != std::string::npos);
  CHECK(b.output.find("key_id 5: empty_drawing: drawing has no strokes") != std::string::npos);
  CHECK(qd::test::read_file(dir / "a.npy") == qd::test::read_file(dir / "b.npy"));
}

TEST_CASE("raw ndjson is recognised, simplified as Google did, and --epsilon is an option") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("raw_source");
  const std::string categories = " -q --categories 'cat,The Eiffel Tower' ";
  const auto raw = run_command(qd_prepare(categories + "--source " + quoted(shared / "raw") +
                                          " --out " + quoted(dir / "raw")));
  REQUIRE_MESSAGE(raw.exit_code == 0, raw.output);
  const auto simple =
      run_command(qd_prepare(categories + "--source " + quoted(shared / "simplified") + " --out " +
                             quoted(dir / "simplified")));
  REQUIRE_MESSAGE(simple.exit_code == 0, simple.output);
  size_t images = 0;
  size_t same = 0;
  for (const std::string name : {"cat", "The Eiffel Tower"}) {
    const qd::Manifest m = qd::read_manifest((dir / "raw" / name / "manifest.json").string());
    CHECK(m.source.format == "raw");
    CHECK(m.settings.epsilon == 2.0);
    CHECK(m.counts.kept > 15);
    // Each image of the raw route beside the simplified route's image of the same key_id.
    const auto google = images_by_key(dir / "simplified" / name);
    for (const auto& [key, image] : images_by_key(dir / "raw" / name)) {
      ++images;
      const auto theirs = google.find(key);  // raw/ holds drawings past simplified/'s 25 too
      same += theirs != google.end() && theirs->second == image;
    }
  }
  CHECK(images > 30);
  CHECK(same >= images - 2);  // the measurement (unit test) finds 8 of 239 drawings differing

  // Another epsilon: another output (rebuilt), recorded in the manifest.
  const auto coarse =
      run_command(qd_prepare(categories + "--epsilon 8 --source " + quoted(shared / "raw") +
                             " --out " + quoted(dir / "raw")));
  REQUIRE_MESSAGE(coarse.exit_code == 0, coarse.output);
  const qd::Manifest m = qd::read_manifest((dir / "raw" / "cat" / "manifest.json").string());
  CHECK(m.settings.epsilon == 8.0);
  CHECK(run_command(qd_prepare(categories + "--epsilon -1 --source " + quoted(shared / "raw")))
            .exit_code == 2);
  // Raw input asked to be read as simplified ndjson: refused, saying what it holds.
  const auto wrong =
      run_command(qd_prepare(" --categories cat --input-format ndjson --source " +
                             quoted(shared / "raw") + " --out " + quoted(dir / "x")));
  CHECK(wrong.exit_code == 3);
  CHECK(wrong.output.find("holds raw ndjson, but --input-format is ndjson") != std::string::npos);
}
