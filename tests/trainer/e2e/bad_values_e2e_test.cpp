// Values and files qd_train, qd_sample and qd_score must refuse (issue #32): each refused in one
// line with the right exit code, nothing written, no hang.
#include <fstream>
#include <regex>

#include "qd/store/run_lock.h"
#include "train_e2e_support.h"

using namespace qd::test::train_e2e;

namespace {

// The first line of `output` that holds `needle`, or "" (for messages worth quoting whole).
std::string line_with(const std::string& output, const std::string& needle) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

// config.json of `run` with `from` replaced by `to`: its first occurrence after `anchor`.
void edit_config(const path& run, const std::string& anchor, const std::string& from,
                 const std::string& to) {
  std::string text = qd::test::read_file(run / "config.json");
  const size_t at = text.find(from, text.find(anchor));
  REQUIRE_MESSAGE(at != std::string::npos, from);
  text.replace(at, from.size(), to);
  qd::test::write_file(run / "config.json", text);
}

// qd_train with `args`, its stderr alone captured: warnings are for scripts and cron, apart from
// the progress log on stdout.
std::string stderr_only(const std::string& args) {
  return "{ " + std::string(QD_TRAIN_EXE) + args + " 2>&1 >/dev/null; }";
}

}  // namespace

TEST_CASE("numbers outside their range are usage errors naming the option, value and range") {
  qd::test::ScratchDir dir("train_bad_values");
  const std::string out = " --shards x.npy --out " + quoted(dir / "r");
  const std::pair<std::string, std::string> cases[] = {
      {"--lr inf", "--lr must be > 0 and <= 1, not inf"},
      {"--lr-g nan", "--lr-g must be > 0 and <= 1, not nan"},
      {"--lr 0", "--lr must be > 0 and <= 1, not 0"},
      {"--seed -1", "--seed must be >= 0, not -1"},
      {"--beta1 1", "--beta1 must be >= 0 and < 1, not 1"},
      {"--batch-size 0", "--batch-size must be in 1..65536, not 0"},
      {"--threads -2", "--threads must be in 0..1024, not -2"},
      {"--workers 0", "--workers must be in 1..64, not 0"},
      {"--eval-count 10", "--eval-count must be in 20..100000, not 10"},
      {"--ema-decay 1", "--ema-decay must be >= 0 and < 1, not 1"},
      {"--r1-every 0", "--r1-every must be in 1..1000000, not 0"},
      {"--epochs 1e3", "--epochs must be in 1..1000000, not 1e3"},
  };
  for (const auto& option_and_message : cases) {
    const std::string& option = option_and_message.first;  // not bound: doctest's macros capture it
    const std::string& message = option_and_message.second;
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_command(qd_train(option + out));
    CHECK_MESSAGE(r.exit_code == 2, option, r.output);
    CHECK_MESSAGE(line_with(r.output, "qd_train: ") == "qd_train: " + message, r.output);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
  CHECK_FALSE(fs::exists(dir / "r"));  // nothing written
  // --help shows each number's range.
  const auto help = run_command(qd_train("--help"));
  CHECK(help.output.find("(> 0 and <= 1)") != std::string::npos);
  CHECK(help.output.find("(1..65536)") != std::string::npos);
}

TEST_CASE("--threads above the usable cores is capped with a warning on stderr") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("train_threads_cap");
  copy_bitmaps(shared, "cat", 64, dir / "cat.npy");
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_command(stderr_only(" --shards " + quoted(dir / "cat.npy") +
                                         " --arch small --batch-size 32 --workers 1 --epochs 1 "
                                         "--threads 1000 --out " +
                                         quoted(dir / "r")));
  CHECK_MESSAGE(r.exit_code == 0, r.output);
  CHECK_MESSAGE(std::regex_search(r.output, std::regex("qd_train: --threads 1000 is more than the "
                                                       "[0-9]+ cores? this process may use; "
                                                       "using [0-9]+")),
                r.output);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(60));
  CHECK(qd::train::read_run_config((dir / "r").string()).options.threads < 1000);
}

TEST_CASE("config.json edited: the same exit 1 naming the file in qd_sample and --resume") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("train_edited_config");
  copy_bitmaps(shared, "cat", 64, dir / "cat.npy");
  const path run = dir / "r";
  REQUIRE(run_command(qd_train("--shards " + quoted(dir / "cat.npy") + kQuick +
                               "--epochs 1 --out " + quoted(run)))
              .exit_code == 0);
  const std::string good = qd::test::read_file(run / "config.json");

  edit_config(run, R"("arch")", R"("small")", R"("huge")");
  const auto sample = run_command(qd_sample("--run " + quoted(run) + " --npy x.npy"));
  CHECK_MESSAGE(sample.exit_code == 1, sample.output);
  CHECK(sample.output.find("config.json") != std::string::npos);
  CHECK(sample.output.find("unknown architecture 'huge'") != std::string::npos);
  const auto resume = run_command(qd_train("--resume --out " + quoted(run)));
  CHECK_MESSAGE(resume.exit_code == 1, resume.output);
  CHECK(resume.output.find("config.json") != std::string::npos);

  qd::test::write_file(run / "config.json", good);
  edit_config(run, R"("categories")", R"("cat")", R"("dog")");
  const auto renamed = run_command(qd_train("--resume --out " + quoted(run)));
  CHECK(renamed.exit_code == 1);
  CHECK_MESSAGE(renamed.output.find("the data's categories are cat but " + run.string() +
                                    "/config.json names dog") != std::string::npos,
                renamed.output);
}

TEST_CASE("a run being trained: a second start is told so, not to add --resume") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("train_busy_run");
  copy_bitmaps(shared, "cat", 64, dir / "cat.npy");
  const path run = dir / "r";
  const std::string command =
      qd_train("--shards " + quoted(dir / "cat.npy") + kQuick + "--epochs 1 --out " + quoted(run));
  REQUIRE(run_command(command).exit_code == 0);
  // As while the first is training: its lock held, its config.json written.
  auto held = qd::RunLock::try_acquire((run / ".qd_train.lock").string());
  REQUIRE(held);
  const auto second = run_command(command);
  CHECK(second.exit_code == 2);
  CHECK_MESSAGE(second.output.find("is being trained by another qd_train") != std::string::npos,
                second.output);
  CHECK(second.output.find("add --resume") == std::string::npos);
  held.reset();
  const auto after = run_command(command);  // finished: now it is a run to resume
  CHECK(after.exit_code == 2);
  CHECK(after.output.find("add --resume") != std::string::npos);
}

TEST_CASE("an input of no images is warned about on stderr") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("train_empty_input");
  copy_bitmaps(shared, "cat", 64, dir / "cat.npy");
  qd::NpyWriter empty((dir / "empty.npy").string(), "|u1", {784});
  empty.commit();
  const auto r = run_command(stderr_only(" --shards " + quoted(dir / "cat.npy") + "," +
                                         quoted(dir / "empty.npy") + kQuick + "--epochs 1 --out " +
                                         quoted(dir / "r")));
  CHECK(r.exit_code == 0);
  CHECK_MESSAGE(
      r.output.find("qd_train: warning: category empty has 0 images") != std::string::npos,
      r.output);
}

TEST_CASE("a shard directory missing a listed file is refused, whichever split is read") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("train_missing_val");
  make_shard_dir(shared, "fish", 150, dir / "fish");
  REQUIRE(fs::exists(dir / "fish" / "val-00000.npy"));
  fs::remove(dir / "fish" / "val-00000.npy");
  const auto r = run_command(
      qd_train("--shards " + quoted(dir / "fish") + kQuick + "--out " + quoted(dir / "r")));
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.output.find("val-00000.npy: missing, but listed in") != std::string::npos,
                r.output);
  CHECK_FALSE(fs::exists(dir / "r"));
}
