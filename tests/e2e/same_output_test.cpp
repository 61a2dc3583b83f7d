// qd_prepare writes the same bytes as before the store/cli restructuring (commit bd653c6): the
// CRC-32s below are what that version wrote for these inputs and options.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "qd/store/json.h"
#include "qd/store/manifest.h"
#include "test_support.h"

using qd::test::quoted;
using qd::test::run_command;

namespace {

struct Expected {
  std::string file;
  uint64_t count;
  std::string crc32;
  std::string keys_crc32;
};

void check_shards(const qd::test::fs::path& dir, const std::vector<Expected>& expected) {
  const qd::Manifest m = qd::read_manifest((dir / "manifest.json").string());
  REQUIRE(m.shards.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    CHECK(m.shards[i].file == expected[i].file);
    CHECK(m.shards[i].count == expected[i].count);
    CHECK(qd::hex32(m.shards[i].crc32) == expected[i].crc32);
    CHECK(qd::hex32(m.shards[i].keys_crc32) == expected[i].keys_crc32);
  }
}

}  // namespace

TEST_CASE("qd_prepare's shards are byte-identical to those of the previous version") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("same_output");
  const std::string exe = std::string(QD_PREPARE_EXE) + " -q --out " + quoted(dir / "data");
  const auto small = run_command(exe + " --categories 'cat,apple,The Eiffel Tower' --source " +
                                 quoted(shared / "simplified"));
  REQUIRE_MESSAGE(small.exit_code == 0, small.output);
  check_shards(dir / "data" / "cat", {{"train-00000.npy", 22, "e1d50921", "7e51cfa8"},
                                      {"val-00000.npy", 1, "6d19ffb8", "b81c70ca"}});
  check_shards(dir / "data" / "apple", {{"train-00000.npy", 22, "c4adfdaa", "b363d8fa"},
                                        {"val-00000.npy", 1, "833fc3f1", "06f7a77e"}});
  check_shards(dir / "data" / "The Eiffel Tower", {{"train-00000.npy", 23, "ee5f2d2a", "8c540c94"},
                                                   {"val-00000.npy", 2, "2b1765b8", "d7556bda"}});

  const auto monkey = run_command(exe + " --categories monkey --shard-size 300 --source " +
                                  quoted(shared / "simplified-1000"));
  REQUIRE_MESSAGE(monkey.exit_code == 0, monkey.output);
  check_shards(dir / "data" / "monkey", {{"train-00000.npy", 300, "70f6f728", "276868cc"},
                                         {"train-00001.npy", 300, "dae0b6a5", "3e7b3a33"},
                                         {"train-00002.npy", 176, "c3db751f", "893d34ed"},
                                         {"val-00000.npy", 50, "35b0a237", "3371028b"}});
}
