// Data-parallel qd_train as users run it: the real executable as 2 processes of 1 thread each
// (rendezvous over 127.0.0.1, as torchrun would set it up) against 1 process of 1 thread, the
// same data, global batch and epochs, whole process against whole process, in the same run.
//
//   bench_data_parallel [--epochs 2] [--batch-size 64] [--rounds 2] [--data FILE.npy]
// Images/s: images trained / wall-clock seconds from start to the last process's exit; rounds
// alternate the two, and the best round of each counts.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/store/atomic_directory.h"
#include "qd/store/npy.h"

namespace fs = std::filesystem;
namespace cli = qd::cli;

namespace {

// Starts `command_line` with `environment` (NAME=VALUE words) prepended, output to `log`.
pid_t start(const std::string& environment, const std::string& command_line, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string exec =
        "exec env " + environment + " " + command_line + " > '" + log.string() + "' 2>&1";
    ::execl("/bin/sh", "sh", "-c", exec.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Seconds until every process of the run has exited; throws if one failed.
double run(int processes, const std::string& args, const fs::path& out, int port) {
  qd::remove_tree(out.string());
  fs::create_directories(out.parent_path());
  const auto begin = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < processes; ++rank) {
    const std::string env = processes == 1
                                ? ""
                                : "RANK=" + std::to_string(rank) +
                                      " WORLD_SIZE=" + std::to_string(processes) +
                                      " LOCAL_RANK=" + std::to_string(rank) +
                                      " LOCAL_WORLD_SIZE=" + std::to_string(processes) +
                                      " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port);
    pids.push_back(start(env, std::string(QD_TRAIN_EXE) + args + " --out '" + out.string() + "'",
                         out.string() + "-rank" + std::to_string(rank) + ".log"));
  }
  for (const pid_t pid : pids) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error("qd_train failed; see " + out.string() + "-rank*.log");
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
}

int bench(int argc, char** argv) {
  int epochs = 2;
  int batch = 64;
  int rounds = 2;
  std::string data = std::string(QD_SOURCE_DIR) + "/../shared/quickdraw/numpy_bitmap/cat.npy";
  cli::CommandLine command_line("Usage: bench_data_parallel [options]\n\nOptions");
  auto add = command_line.visible.add_options();
  add("epochs", cli::po::value(&epochs)->default_value(epochs), "epochs per run");
  add("batch-size", cli::po::value(&batch)->default_value(batch), "the global batch");
  add("rounds", cli::po::value(&rounds)->default_value(rounds), "rounds of both");
  add("data", cli::po::value(&data)->default_value(data), "uint8 .npy images");
  cli::parse_or_exit(argc, argv, command_line);

  const uint64_t images = qd::MappedNpy(data).rows() / batch * batch;
  const fs::path scratch =
      fs::temp_directory_path() / ("bench_data_parallel-" + std::to_string(::getpid()));
  const std::string args = " --shards '" + data + "' --arch small --threads 1 --batch-size " +
                           std::to_string(batch) + " --epochs " + std::to_string(epochs);
  double best_one = 1e300, best_two = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const double one = run(1, args, scratch / "one", 0);
    const double two = run(2, args, scratch / "two", 29600 + r);
    std::printf("round %d: 1 process %.1f s, 2 processes %.1f s\n", r + 1, one, two);
    best_one = std::min(best_one, one);
    best_two = std::min(best_two, two);
  }
  qd::remove_tree(scratch.string());
  const double trained = static_cast<double>(images) * epochs;
  std::printf("\n%-28s %10s %8s\n", "qd_train small, 1 thread each", "images/s", "ratio");
  std::printf("%-28s %10.0f %8.2f\n", "1 process", trained / best_one, 1.0);
  std::printf("%-28s %10.0f %8.2f\n", "2 processes (Gloo, 127.0.0.1)", trained / best_two,
              best_one / best_two);
  std::printf("(global batch %d, %d epochs of %llu images, best of %d rounds)\n", batch, epochs,
              static_cast<unsigned long long>(images), rounds);
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("bench_data_parallel", [&] { return bench(argc, argv); });
}
