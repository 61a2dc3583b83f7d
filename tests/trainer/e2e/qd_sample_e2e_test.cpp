// The real qd_sample on large counts: written in batches straight to the .npy (progress on
// stderr, interruptible with nothing left behind), and grids refused up front when they could
// not be drawn.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>

#include "test_support.h"
#include "torch_doctest.h"
#include "train_e2e_support.h"

using namespace qd::test::train_e2e;

namespace {

// A quick run to draw from: 96 cats, one epoch of `small`.
path trained_run(const path& shared, const qd::test::ScratchDir& dir) {
  copy_bitmaps(shared, "cat", 96, dir / "cat.npy");
  const path run = dir / "run";
  const auto r = run_command(qd_train("--shards " + quoted(dir / "cat.npy") + " --out " +
                                      quoted(run) + kQuick + "--epochs 1"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return run;
}

bool leftovers(const path& dir, const std::string& prefix) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("qd_sample --npy of several batches: the file is whole, its first batch any count's") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("sample_batches");
  const path run = trained_run(shared, dir);
  const std::string sample = "--run " + quoted(run) + " --seed 4 --count ";
  for (const char* count : {"1100", "3000"}) {
    const auto r = run_command(
        qd_sample(sample + count + " --npy " + quoted(dir / (std::string(count) + ".npy"))));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  }
  CHECK(numpy_says(dir / "3000.npy", "a.shape, a.dtype") == "(3000, 28, 28) uint8");
  CHECK(numpy_says(dir / "1100.npy", "a[:1024].tobytes() == np.load('" +
                                         (dir / "3000.npy").string() +
                                         "')[:1024].tobytes(), a[:1024].any()") == "True True");
}

TEST_CASE(
    "qd_sample streams into a temporary .npy with progress on stderr and, interrupted, exits 130 "
    "leaving no file") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("sample_interrupted");
  const path run = trained_run(shared, dir);
  const path err = dir / "stderr.txt";
  const path out = dir / "out";
  fs::create_directories(out);
  const pid_t pid =
      start(std::string(QD_SAMPLE_EXE) + " --run " + quoted(run) + " --count 10000000 --npy " +
            quoted(out / "big.npy") + " 2>" + quoted(err));
  // "qd_sample: N of 10000000 images drawn (P%)", every 5 s.
  int64_t drawn = -1;
  for (int i = 0; i < 600 && drawn < 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::string text = fs::exists(err) ? qd::test::read_file(err) : "";
    const size_t at = text.find(" of 10000000 images drawn (");
    if (at != std::string::npos) drawn = std::stoll(text.substr(text.rfind(' ', at - 1) + 1));
  }
  if (drawn < 0) {  // not left running when the test fails
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  REQUIRE_MESSAGE(drawn > 0, (fs::exists(err) ? qd::test::read_file(err) : ""));
  // The images drawn so far are already in the temporary file (less what stdio still buffers,
  // 1 MiB), not held in memory until the end.
  uint64_t written = 0;
  for (const auto& entry : fs::directory_iterator(out)) {
    if (entry.path().filename().string().rfind("big.npy.tmp.", 0) == 0) written = entry.file_size();
  }
  CHECK(written + (1U << 20U) >= 128 + static_cast<uint64_t>(drawn) * 784);
  CHECK_FALSE(fs::exists(out / "big.npy"));
  ::kill(pid, SIGTERM);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(qd::test::read_file(err).find("qd_sample: interrupted") != std::string::npos);
  CHECK_FALSE(leftovers(out, "big.npy"));  // neither the file nor its temporary
}

TEST_CASE("qd_sample --grid of more images than a picture can show is refused before drawing") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("sample_grid_limit");
  const path run = trained_run(shared, dir);
  // 28-pixel images at --scale 2 in cells of 56 and gaps of 2: 564 rows of 8 in 32767 pixels.
  const auto big = run_command(
      qd_sample("--run " + quoted(run) + " --count 5000 --grid " + quoted(dir / "g.png")));
  CHECK(big.exit_code == 2);
  CHECK_MESSAGE(big.output.find("--count 5000 with --grid: a grid of 8 columns of 28-pixel images "
                                "at --scale 2 shows at most 4512 (a picture is at most 32767 "
                                "pixels a side)") != std::string::npos,
                big.output);
  const auto wide = run_command(qd_sample(
      "--run " + quoted(run) + " --count 600 --columns 1000 --grid " + quoted(dir / "g.png")));
  CHECK(wide.exit_code == 2);
  CHECK(wide.output.find("shows at most 564 ") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "g.png"));
  const auto fits = run_command(qd_sample(
      "--run " + quoted(run) + " --count 564 --columns 1000 --grid " + quoted(dir / "g.png")));
  CHECK_MESSAGE(fits.exit_code == 0, fits.output);
  CHECK(is_png(dir / "g.png"));
}
