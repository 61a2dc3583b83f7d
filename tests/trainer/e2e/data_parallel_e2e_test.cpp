// qd_train as a data-parallel run of 2 processes over 127.0.0.1 (Gloo), set up through the
// environment as torchrun sets it: identical weights, one writer, resume with 1 process, and a
// process killed mid-run.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmath>

#include "qd/report/metrics_log.h"
#include "qd/step/distributed.h"
#include "train_e2e_support.h"

using namespace qd::test::train_e2e;

namespace {

// A TCP port nobody listens on now.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t size = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Process `rank` of 2, its output to `log`.
pid_t start_rank(int rank, int port, const std::string& args, const path& log) {
  return start("env RANK=" + std::to_string(rank) +
               " WORLD_SIZE=2 LOCAL_RANK=" + std::to_string(rank) +
               " LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) +
               " " + std::string(QD_TRAIN_EXE) + " " + args + " > " + quoted(log) + " 2>&1");
}

// A build against a LibTorch without Gloo's headers refuses data-parallel runs.
#define QD_REQUIRE_DATA_PARALLEL()                                             \
  if (!qd::train::data_parallel_available()) {                                 \
    MESSAGE("skipped: this build has no Gloo (LibTorch without its headers)"); \
    return;                                                                    \
  }

}  // namespace

TEST_CASE("2 processes: each a share of every batch, the same weights, one writer, resumable") {
  QD_REQUIRE_DATA_PARALLEL();
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("data_parallel");
  copy_bitmaps(shared, "cat", 256, dir / "cat.npy");
  const path run = dir / "run";
  const std::string args = "--shards " + quoted(dir / "cat.npy") +
                           " --arch small --batch-size 32 --threads 1 --workers 1 --epochs 2 "
                           "--ema-decay 0.9 --out " +
                           quoted(run);
  const int port = free_port();
  const pid_t zero = start_rank(0, port, args, dir / "rank0.log");
  const pid_t one = start_rank(1, port, args, dir / "rank1.log");
  CHECK(qd::test::wait_exit_code(one) == 0);
  REQUIRE(qd::test::wait_exit_code(zero) == 0);
  const std::string log0 = qd::test::read_file(dir / "rank0.log");
  CHECK_MESSAGE(log0.find("in each of 2 processes") != std::string::npos, log0);
  CHECK_MESSAGE(log0.find("weights identical in all 2 processes") != std::string::npos, log0);
  CHECK(qd::test::read_file(dir / "rank1.log").empty());  // process 1 writes nothing
  // The weights depend on the process count: config.json and report.html say it.
  CHECK(qd::train::read_run_config(run.string()).processes == 2);
  CHECK(qd::test::read_file(run / "report.html")
            .find("2 data-parallel processes, 16 images a step each") != std::string::npos);
  auto trained = final_state(run);
  CHECK(trained.steps_done() == 16);  // 256 images in global batches of 32, twice
  const auto rows = qd::train::read_metrics_csv((run / "metrics.csv").string());
  REQUIRE(rows.size() >= 2);
  for (const auto& row : rows) {
    CHECK(std::isfinite(row.loss_d));
    CHECK(std::isfinite(row.loss_g));
  }
  // It learns: the discriminator's loss falls from the first logged steps to the last.
  CHECK(rows.back().loss_d < rows.front().loss_d);

  // A checkpoint of 2 processes resumes in 1.
  const auto resumed =
      run_command(qd_train("--resume --epochs 3 --threads 1 --out " + quoted(run)));
  REQUIRE_MESSAGE(resumed.exit_code == 0, resumed.output);
  CHECK(final_state(run).steps_done() == 24);

  // Shares must be equal.
  const int port2 = free_port();
  const std::string odd = "--shards " + quoted(dir / "cat.npy") +
                          " --arch small --batch-size 33 --threads 1 --out " + quoted(dir / "odd");
  const pid_t a = start_rank(0, port2, odd, dir / "odd0.log");
  const pid_t b = start_rank(1, port2, odd, dir / "odd1.log");
  CHECK(qd::test::wait_exit_code(a) == 2);
  CHECK(qd::test::wait_exit_code(b) == 2);
  CHECK(qd::test::read_file(dir / "odd0.log").find("not a multiple of the 2 processes") !=
        std::string::npos);
}

TEST_CASE("a process killed mid-run ends the run with a clear error, the last checkpoint whole") {
  QD_REQUIRE_DATA_PARALLEL();
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("data_parallel_kill");
  copy_bitmaps(shared, "cat", 256, dir / "cat.npy");
  const path run = dir / "run";
  const std::string args = "--shards " + quoted(dir / "cat.npy") +
                           " --arch small --batch-size 32 --threads 1 --workers 1 --epochs 1000 "
                           "--checkpoint-every 4 --out " +
                           quoted(run);
  const int port = free_port();
  const pid_t zero = start_rank(0, port, args, dir / "rank0.log");
  const pid_t one = start_rank(1, port, args, dir / "rank1.log");
  REQUIRE(wait_for_checkpoint(run.string()));
  ::kill(one, SIGKILL);
  qd::test::wait_exit_code(one);
  CHECK(qd::test::wait_exit_code(zero) == 1);
  const std::string log0 = qd::test::read_file(dir / "rank0.log");
  CHECK_MESSAGE(
      log0.find("another process of the data-parallel run failed or left") != std::string::npos,
      log0);
  auto last = final_state(run);  // loads the newest checkpoint
  CHECK(last.steps_done() % 4 == 0);
  const auto resumed =
      run_command(qd_train("--resume --epochs 1 --threads 1 --out " + quoted(run)));
  CHECK_MESSAGE(resumed.exit_code == 0, resumed.output);
}
