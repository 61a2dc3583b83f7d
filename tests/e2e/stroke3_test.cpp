// qd_prepare --format stroke3: sketch-rnn's <category>.npz beside (or instead of) the bitmaps,
// loaded with numpy as sketch-rnn loads it; the absolute points rebuilt from its deltas are the
// simplified strokes of the kept drawings, split by the same key_id hash as the bitmaps.
#include "qd/store/stroke3.h"

#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "prepare_command.h"
#include "qd/pipeline/drawing_parser.h"
#include "qd/pipeline/record_filter.h"
#include "qd/store/manifest.h"
#include "qd/store/shard_set.h"
#include "test_support.h"

using qd::test::qd_prepare;
using qd::test::quoted;
using qd::test::run_command;
using qd::test::fs::path;

namespace {

// What numpy finds in the .npz, loaded as sketch-rnn loads it, each drawing's absolute points
// rebuilt from its deltas (a running sum) and cut into strokes where the pen lifts:
//   <split> <n>          then n lines: "x,y x,y|x,y ..." (strokes separated by '|')
std::string numpy_strokes(const path& npz) {
  const std::string script =
      "import numpy as np\n"
      "d = np.load('" +
      npz.string() +
      "', allow_pickle=True, encoding='latin1')\n"
      "print(sorted(d.files))\n"
      "for split in ('train', 'valid', 'test'):\n"
      "    a = d[split]\n"
      "    assert a.dtype == object and a.ndim == 1, (a.dtype, a.shape)\n"
      "    print(split, len(a))\n"
      "    for s in a:\n"
      "        assert s.dtype == np.int16 and s.ndim == 2 and s.shape[1] == 3, (s.dtype, s.shape)\n"
      "        xy = np.cumsum(s[:, :2].astype(np.int64), axis=0)\n"
      "        strokes, cur = [], []\n"
      "        for (x, y), lift in zip(xy, s[:, 2]):\n"
      "            cur.append('%d,%d' % (x, y))\n"
      "            if lift == 1:\n"
      "                strokes.append(' '.join(cur)); cur = []\n"
      "        assert not cur and set(s[:, 2].tolist()) <= {0, 1}\n"
      "        print('|'.join(strokes))\n";
  qd::test::write_file(npz.parent_path() / ".." / "load.py", script);
  const auto r =
      run_command(std::string(QD_PYTHON) + " " + quoted(npz.parent_path() / ".." / "load.py"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return r.output;
}

// The same, expected: the file's drawings qd_prepare keeps (its filters with their defaults,
// first of each key_id), in input order, each in its stroke-3 split.
std::string expected_strokes(const std::vector<path>& files, uint64_t* val_keys = nullptr) {
  qd::DrawingParser parser;
  qd::Drawing d;
  std::unordered_set<uint64_t> seen;
  std::vector<std::string> splits[3];
  for (const path& file : files) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (parser.parse_unpadded(line, d) || qd::screen(d, {}) || !seen.insert(d.key_id).second) {
        continue;
      }
      std::string text;
      for (size_t s = 0; s < d.stroke_count(); ++s) {
        if (s > 0) text += "|";
        for (uint32_t p = d.stroke_begin(s); p < d.stroke_ends[s]; ++p) {
          if (p > d.stroke_begin(s)) text += " ";
          text += std::to_string(d.points[p].x) + "," + std::to_string(d.points[p].y);
        }
      }
      const auto split = qd::stroke3_split_of(d.key_id, 0.05);
      if (split == qd::Stroke3Split::kValid && val_keys != nullptr) ++*val_keys;
      splits[static_cast<size_t>(split)].push_back(text);
    }
  }
  std::string out = "['test', 'train', 'valid']\n";
  for (size_t s = 0; s < 3; ++s) {
    out += std::string(qd::kStroke3SplitNames[s]) + " " + std::to_string(splits[s].size()) + "\n";
    for (const std::string& t : splits[s]) out += t + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("--format bitmap,stroke3 writes sketch-rnn's .npz: the deltas give the strokes back") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("stroke3");
  const auto r = run_command(qd_prepare("-q --categories monkey --format stroke3,bitmap --source " +
                                        quoted(shared / "simplified-1000") + " --out " +
                                        quoted(dir / "data")));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const path category = dir / "data" / "monkey";
  const qd::Manifest m = qd::read_manifest((category / "manifest.json").string());
  CHECK(m.settings.format == "bitmap,stroke3");
  REQUIRE(m.stroke3);
  CHECK(m.stroke3->file == "monkey.npz");
  CHECK(m.shards.size() == 2);
  // valid is the bitmaps' val; train and test together the bitmaps' train.
  CHECK(m.stroke3->valid == m.counts.val);
  CHECK(m.stroke3->train + m.stroke3->test == m.counts.train);
  CHECK(m.stroke3->test > 0);
  uint64_t valid = 0;
  const std::string expected =
      expected_strokes({shared / "simplified-1000" / "monkey.ndjson"}, &valid);
  CHECK(valid == m.counts.val);
  CHECK(numpy_strokes(category / "monkey.npz") == expected);
  CHECK(m.counts.kept == 826);
}

TEST_CASE(
    "a stroke-3 category is skipped when unchanged, repaired when damaged, rebuilt for --format") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("stroke3_refresh");
  const std::string command = "--categories 'The Eiffel Tower' --source " +
                              quoted(shared / "simplified") + " --out " + quoted(dir / "data");
  const path category = dir / "data" / "The Eiffel Tower";
  const path npz = category / "The Eiffel Tower.npz";
  const auto first = run_command(qd_prepare(command + " --format stroke3"));
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);
  const qd::Manifest m = qd::read_manifest((category / "manifest.json").string());
  CHECK(m.shards.empty());  // stroke-3 only: no bitmaps
  REQUIRE(m.stroke3);
  CHECK(m.stroke3->train + m.stroke3->valid + m.stroke3->test == m.counts.kept);
  CHECK(numpy_strokes(npz) ==
        expected_strokes({shared / "simplified" / "The Eiffel Tower.ndjson"}));
  // A trainer cannot read images that are not there, and says so.
  CHECK_THROWS_WITH_AS(qd::open_shard_directory(category.string(), qd::SplitSelection::kAll, true),
                       doctest::Contains("holds sketch-rnn's stroke-3 file only"), qd::StoreError);

  const auto again = run_command(qd_prepare(command + " --format stroke3"));
  CHECK(again.output.find("up to date") != std::string::npos);
  // One byte of the .npz changed: the next run notices (CRC-32) and rebuilds it.
  std::string bytes = qd::test::read_file(npz);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
  qd::test::write_file(npz, bytes);
  const auto repaired = run_command(qd_prepare(command + " --format stroke3"));
  REQUIRE_MESSAGE(repaired.exit_code == 0, repaired.output);
  CHECK(repaired.output.find("The Eiffel Tower.npz: CRC-32") != std::string::npos);
  CHECK(repaired.output.find("written") != std::string::npos);
  CHECK(qd::test::read_file(npz) != bytes);
  CHECK(qd::read_manifest((category / "manifest.json").string()).stroke3->crc32 ==
        m.stroke3->crc32);

  // Another --format is another output: rebuilt, with the bitmaps now.
  const auto both = run_command(qd_prepare(command + " --format bitmap,stroke3"));
  REQUIRE_MESSAGE(both.exit_code == 0, both.output);
  CHECK(both.output.find("up to date") == std::string::npos);
  CHECK(qd::read_manifest((category / "manifest.json").string()).shards.size() == 2);
  const auto bad = run_command(qd_prepare(command + " --format svg"));
  CHECK(bad.exit_code == 2);
  CHECK(bad.output.find("--format must be bitmap, stroke3 or bitmap,stroke3, not 'svg'") !=
        std::string::npos);
}
