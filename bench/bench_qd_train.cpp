// What users run: the real qd_train process, with its default options, against the same training
// written as a user writes it in plain PyTorch (bench/python/train_eager.py: Debian's
// python3-torch, the same LibTorch 1.13 underneath), whole process against whole process, in the
// same run. Both train `small` on the same images for the same epochs; each with its defaults
// (threads included).
//
//   bench_qd_train [--epochs N] [--rounds R] [--data FILE.npy] [--python /usr/bin/python3]
// Rounds alternate qd_train and Python, so both see the same machine; the best round of each
// counts. Images/s: images trained / wall-clock seconds of the whole process (start-up, data
// loading, per-epoch grids and checkpoints included). qd_train's own figure (mean images/s of its
// metrics.csv rows) is printed beside it.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/store/atomic_directory.h"
#include "qd/store/npy.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Run {
  double seconds = 0;  // whole process
  std::string output;
};

// Runs a shell command line to its end, timing it; its output is returned.
Run timed(const std::string& command_line) {
  Run r;
  const auto start = Clock::now();
  FILE* pipe = ::popen((command_line + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command_line);
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("failed: " + command_line + "\n" + r.output);
  }
  return r;
}

double value_after(const std::string& text, const std::string& key) {
  const size_t at = text.find(key + " ");
  if (at == std::string::npos) throw std::runtime_error("no '" + key + "' in:\n" + text);
  return std::stod(text.substr(at + key.size() + 1));
}

// Mean images/s of qd_train's metrics.csv rows (its 7th column).
double metrics_images_per_s(const fs::path& csv) {
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);  // header
  double sum = 0;
  int rows = 0;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string field;
    for (int i = 0; i < 7 && std::getline(fields, field, ','); ++i) {
    }
    sum += std::stod(field);
    ++rows;
  }
  return rows > 0 ? sum / rows : 0;
}

std::string shell_quoted(const std::string& s) {
  return "'" + s + "'";
}

struct Args {
  std::string data;
  std::string python = QD_PYTHON;
  int epochs = 3;
  int rounds = 2;
};

Args parse(int argc, char** argv) {
  Args a;
  const char* env = std::getenv("QD_SHARED_QUICKDRAW");
  const fs::path shared =
      env != nullptr ? fs::path(env) : fs::path(QD_SOURCE_DIR) / ".." / "shared" / "quickdraw";
  a.data = (shared / "numpy_bitmap" / "cat.npy").string();
  qd::cli::CommandLine command_line(
      "Usage: bench_qd_train [--epochs N] [--rounds R] [--data FILE.npy] [--python PATH]\n\n"
      "qd_train (default options, --arch small) against bench/python/train_eager.py, whole\n"
      "process against whole process, alternating, in one run.\n\nOptions");
  qd::cli::add_value(command_line.visible, "epochs", a.epochs, "epochs of each training");
  qd::cli::add_value(command_line.visible, "rounds", a.rounds, "rounds of both; the best counts");
  qd::cli::add_value(command_line.visible, "data", a.data, "uint8 .npy images");
  qd::cli::add_value(command_line.visible, "python", a.python, "Debian's python3 with torch");
  qd::cli::parse_or_exit(argc, argv, command_line);
  return a;
}

// Both trainings `a.rounds` times, alternating; prints each round and the table.
int measure(const Args& a) {
  if (!fs::exists(a.data)) throw std::runtime_error(a.data + ": no such file");
  const uint64_t images = qd::MappedNpy(a.data).rows();
  const fs::path scratch =
      fs::temp_directory_path() / ("bench_qd_train-" + std::to_string(getpid()));
  fs::create_directories(scratch);
  const std::string script = std::string(QD_SOURCE_DIR) + "/bench/python/train_eager.py";

  double best_qd = 0, best_py = 0, qd_metrics = 0;
  int py_threads = 0;
  uint64_t py_images = 0;
  const uint64_t qd_images = static_cast<uint64_t>(a.epochs) * (images / 16) * 16;
  for (int round = 0; round < a.rounds; ++round) {
    qd::remove_tree((scratch / "run").string());
    const Run qd = timed(std::string(QD_TRAIN_EXE) + " --shards " + shell_quoted(a.data) +
                         " --arch small --epochs " + std::to_string(a.epochs) + " --out " +
                         shell_quoted((scratch / "run").string()));
    const double qd_rate = static_cast<double>(qd_images) / qd.seconds;
    best_qd = std::max(best_qd, qd_rate);
    qd_metrics = metrics_images_per_s(scratch / "run" / "metrics.csv");
    const Run py = timed(a.python + " " + shell_quoted(script) + " --data " + shell_quoted(a.data) +
                         " --epochs " + std::to_string(a.epochs) + " --out " +
                         shell_quoted((scratch / "eager.pt").string()));
    py_images = static_cast<uint64_t>(value_after(py.output, "images"));
    py_threads = static_cast<int>(value_after(py.output, "threads"));
    const double py_rate = static_cast<double>(py_images) / py.seconds;
    best_py = std::max(best_py, py_rate);
    std::printf("round %d: qd_train %.1f s (%.0f images/s), Python %.1f s (%.0f images/s)\n",
                round + 1, qd.seconds, qd_rate, py.seconds, py_rate);
  }
  qd::remove_tree(scratch.string());
  std::printf("\nsmall, %d epochs over %llu images of %s, batch 16, whole process, best of %d:\n",
              a.epochs, static_cast<unsigned long long>(images),
              fs::path(a.data).filename().c_str(), a.rounds);
  std::printf("| program | images/s | ratio |\n|---|---:|---:|\n");
  std::printf("| Python eager (train_eager.py, torch's default %d thread%s) | %.0f | 1.00 |\n",
              py_threads, py_threads == 1 ? "" : "s", best_py);
  std::printf("| qd_train, default options | %.0f | **%.2f** |\n", best_qd, best_qd / best_py);
  std::printf("(qd_train's own metrics.csv, training steps alone: %.0f images/s)\n", qd_metrics);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return qd::cli::run_main("bench_qd_train", [&] { return measure(parse(argc, argv)); });
}
