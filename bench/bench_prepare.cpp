// End-to-end qd_prepare throughput and peak memory on a large gzipped input of real drawings,
// with --threads 1 and --threads 2, beside a straightforward single-process Python reference
// (json + pycairo, same rendering), all measured in the same run.
//
//   bench_prepare [--copies N] [--runs R] [--work DIR]
// The input is ../shared/quickdraw/simplified/ repeated N times (default 10: 86,000 drawings),
// written once by bench/python/make_input.py. Each program is run R times (default 2); the
// fastest run counts. Peak memory is the child's maximum resident set (getrusage).

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Measure {
  double seconds = 0;
  long peak_kib = 0;
};

// Runs a command line through sh, output discarded; wall time and the child's peak RSS.
Measure run(const std::string& command_line) {
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string exec = "exec " + command_line + " >/dev/null";
    ::execl("/bin/sh", "sh", "-c", exec.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  Measure m;
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.peak_kib = usage.ru_maxrss;
  if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0)) {
    std::fprintf(stderr, "bench_prepare: failed (status %d): %s\n", status, command_line.c_str());
    std::exit(1);
  }
  return m;
}

Measure best_of(int runs, const std::string& command_line) {
  Measure best;
  for (int i = 0; i < runs; ++i) {
    const Measure m = run(command_line);
    if (i == 0 || m.seconds < best.seconds) best.seconds = m.seconds;
    best.peak_kib = std::max(best.peak_kib, m.peak_kib);
  }
  return best;
}

std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

}  // namespace

int main(int argc, char** argv) {
  int copies = 10;
  int runs = 2;
  fs::path work = fs::temp_directory_path() / "qd-bench-prepare";
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--copies" && i + 1 < argc) {
      copies = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[i + 1]));
    } else if (flag == "--work" && i + 1 < argc) {
      work = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: bench_prepare [--copies N] [--runs R] [--work DIR]\n");
      return 2;
    }
  }
  const fs::path source_dir = QD_SOURCE_DIR;
  const fs::path simplified = source_dir / ".." / "shared" / "quickdraw" / "simplified";
  if (!fs::is_directory(simplified)) {
    std::fprintf(stderr, "bench_prepare: %s is absent: the benchmark needs the real drawings\n",
                 simplified.c_str());
    return 1;
  }
  fs::create_directories(work / "mirror");
  const fs::path input = work / "mirror" / "cat.ndjson.gz";  // named as qd_prepare looks for it
  const uint64_t drawings = 8600ULL * static_cast<uint64_t>(copies);
  const fs::path stamp = work / ("copies-" + std::to_string(copies));
  if (!fs::exists(stamp) || !fs::exists(input)) {
    run(std::string(QD_PYTHON) + " " + quoted(source_dir / "bench/python/make_input.py") + " " +
        quoted(simplified) + " " + std::to_string(copies) + " " + quoted(input));
    std::fclose(std::fopen(stamp.c_str(), "w"));
  }

  const std::string prepare = std::string(QD_PREPARE_EXE) +
                              " --categories cat --quiet --force --source " +
                              quoted(work / "mirror") + " --out " + quoted(work / "out");
  const Measure python =
      best_of(runs, std::string(QD_PYTHON) + " " +
                        quoted(source_dir / "bench/python/prepare_reference.py") + " " +
                        quoted(input) + " " + quoted(work / "reference.npy"));
  const Measure one = best_of(runs, prepare + " --threads 1");
  const Measure two = best_of(runs, prepare + " --threads 2");

  std::printf("qd_prepare end to end: %llu real drawings, gzipped (%.1f MB), best of %d runs\n\n",
              static_cast<unsigned long long>(drawings),
              static_cast<double>(fs::file_size(input)) / 1e6, runs);
  std::printf("| program | drawings/s | vs Python | peak memory |\n|---|---:|---:|---:|\n");
  const auto row = [&](const char* name, const Measure& m) {
    std::printf("| %s | %.0f | %.2fx | %.0f MB |\n", name,
                static_cast<double>(drawings) / m.seconds, python.seconds / m.seconds,
                static_cast<double>(m.peak_kib) / 1024.0);
  };
  row("Python reference (json + pycairo, 1 process)", python);
  row("qd_prepare --threads 1", one);
  row("qd_prepare --threads 2", two);
  std::printf("\n2 threads vs 1: %.2fx\n", one.seconds / two.seconds);
  return 0;
}
