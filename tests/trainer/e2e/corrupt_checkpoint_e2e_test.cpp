// Checkpoints verified on load by the real tools: a corrupt one is refused by qd_sample and
// qd_score, and qd_train --resume goes back to the newest one that verifies.
#include <string>

#include "qd/run/run_directory.h"
#include "test_support.h"
#include "torch_doctest.h"
#include "train_e2e_support.h"

using namespace qd::test::train_e2e;

namespace {

// Flips one bit in the middle of the checkpoint's largest tensor (a weight: LibTorch alone reads
// it as another value) and returns that record's name.
std::string flip_a_weight(const path& checkpoint) {
  std::string bytes = qd::test::read_file(checkpoint);
  qd::test::ZipRecord largest;
  for (const auto& r : qd::test::zip_records(bytes)) {
    if (r.name.find("/data/") != std::string::npos && r.size > largest.size) largest = r;
  }
  REQUIRE(largest.size > 0);
  bytes[largest.data_offset + largest.size / 2] ^= 0x10;
  qd::test::write_file(checkpoint, bytes);
  return largest.name;
}

// qd_train with its stderr alone in `err` (run_command's output is then its stdout alone).
std::string qd_train_stderr_to(const std::string& args, const path& err) {
  return "{ " + std::string(QD_TRAIN_EXE) + " " + args + " 2>" + quoted(err) + "; }";
}

}  // namespace

TEST_CASE(
    "a corrupt latest checkpoint: qd_sample and qd_score exit 1, --resume takes the one before") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("train_corrupt_latest");
  copy_bitmaps(shared, "cat", 96, dir / "cat.npy");
  const path run = dir / "run";
  const std::string common = "--shards " + quoted(dir / "cat.npy") + kQuick +
                             "--seed 3 --checkpoint-every 2 --keep-checkpoints 5 --out ";
  const auto trained = run_command(qd_train(common + quoted(run) + " --epochs 2"));
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  const auto checkpoints = qd::train::list_checkpoints(run.string());
  REQUIRE(checkpoints.size() == 3);  // steps 2, 4, 6
  // The same run left sound, resumed as usual below: what the fallback must reproduce.
  fs::copy(run, dir / "sound", fs::copy_options::recursive);
  const std::string record = flip_a_weight(checkpoints.back());
  const std::string corrupt = checkpoints.back() + " is corrupt (CRC mismatch in " + record + ")";

  const auto sample =
      run_command(qd_sample("--run " + quoted(run) + " --count 4 --npy " + quoted(dir / "s.npy")));
  CHECK(sample.exit_code == 1);
  CHECK_MESSAGE(sample.output.find("qd_sample: " + corrupt) != std::string::npos, sample.output);
  CHECK_FALSE(fs::exists(dir / "s.npy"));
  const auto score = run_command(qd_score("--run " + quoted(run) + " --classifier " +
                                          quoted(shared / "models" / "doodlenet") + " --count 5"));
  CHECK(score.exit_code == 1);
  CHECK_MESSAGE(score.output.find("qd_score: " + corrupt) != std::string::npos, score.output);

  // --resume: from step 4, saying why on stderr, and then the run finishes as the sound one does.
  const auto resumed = run_command(
      qd_train_stderr_to("--resume --epochs 3 --out " + quoted(run), dir / "stderr.txt"));
  const std::string err = qd::test::read_file(dir / "stderr.txt");
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output, err);
  // Its first line (an ASan build adds LeakSanitizer's report of suppressed leaks after it).
  CHECK(err.substr(0, err.find('\n') + 1) ==
        "qd_train: " + corrupt + "; resuming from step-00000004.pt instead\n");
  CHECK(resumed.output.find("at step 4 of 9") != std::string::npos);
  const auto sound = run_command(qd_train("--resume --epochs 3 --out " + quoted(dir / "sound")));
  REQUIRE_MESSAGE(sound.exit_code == 0, sound.output);
  auto a = final_state(run);
  auto b = final_state(dir / "sound");
  CHECK(a.steps_done() == 9);
  CHECK(same_tensors(*a.generator(), *b.generator()));
  CHECK(same_tensors(*a.discriminator(), *b.discriminator()));
  CHECK(losses_of(run / "metrics.csv") == losses_of(dir / "sound" / "metrics.csv"));
  // Step 6 was written again, whole: the run is usable.
  const auto after = run_command(qd_sample("--run " + quoted(run) + " --checkpoint " +
                                           quoted(path(checkpoints.back())) + " --count 4 --npy " +
                                           quoted(dir / "s.npy")));
  CHECK_MESSAGE(after.exit_code == 0, after.output);
}

TEST_CASE("every checkpoint corrupt: qd_train --resume and qd_sample exit 1 naming the file") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("train_corrupt_all");
  copy_bitmaps(shared, "cat", 96, dir / "cat.npy");
  const path run = dir / "run";
  const auto trained = run_command(
      qd_train("--shards " + quoted(dir / "cat.npy") + kQuick +
               "--epochs 1 --checkpoint-every 1 --keep-checkpoints 5 --out " + quoted(run)));
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  const auto checkpoints = qd::train::list_checkpoints(run.string());
  REQUIRE(checkpoints.size() == 3);
  // Cut short, not a zip archive at all, a flipped weight.
  const std::string first = qd::test::read_file(checkpoints[0]);
  qd::test::write_file(checkpoints[0], first.substr(0, first.size() / 2));
  qd::test::write_file(checkpoints[1], "overwritten\n");
  const std::string record = flip_a_weight(checkpoints[2]);

  const auto resumed = run_command(qd_train("--resume --epochs 2 --out " + quoted(run)));
  CHECK(resumed.exit_code == 1);
  CHECK_MESSAGE(resumed.output.find(
                    "qd_train: " + checkpoints[2] + " is corrupt (CRC mismatch in " + record +
                    "); no older checkpoint verifies either (2 checked)") != std::string::npos,
                resumed.output);
  CHECK(qd::train::list_checkpoints(run.string()) == checkpoints);  // nothing trained or written

  const auto latest =
      run_command(qd_sample("--run " + quoted(run) + " --count 4 --npy " + quoted(dir / "s.npy")));
  CHECK(latest.exit_code == 1);
  CHECK(latest.output.find(checkpoints[2] + " is corrupt") != std::string::npos);
  for (const auto& checkpoint : {checkpoints[0], checkpoints[1]}) {
    const auto older =
        run_command(qd_sample("--run " + quoted(run) + " --checkpoint " + quoted(path(checkpoint)) +
                              " --count 4 --npy " + quoted(dir / "s.npy")));
    CHECK(older.exit_code == 1);
    CHECK_MESSAGE(
        older.output.find("qd_sample: " + checkpoint + " is corrupt (") != std::string::npos,
        older.output);
  }
  CHECK_FALSE(fs::exists(dir / "s.npy"));
}
