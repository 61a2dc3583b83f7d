// The whole dataset, measured (#30 part 4): the real qd_prepare, as a whole process, on all 345
// categories at scale (by default 15,000 drawings each, 5.2 million in all, a tenth of the real
// dataset's 50.4 million), beside the limit it is measured against in the same run: the
// single-core Cairo rendering rate of the same drawings times the usable cores. Then the
// no-change rerun, and qd_train's start on the result.
//
//   bench_whole_dataset [--per-category N] [--category-count K] [--work DIR] [--seconds S]
//                       [--prepare-exe PATH] [--train-exe PATH] [--train-timeout S]
//
// 1. Two local mirrors under DIR/mirror-N/: each category's real drawings of
//    ../shared/quickdraw/simplified/ (25 each; zigzag, absent there, takes zebra's) repeated to N
//    drawings, each repeat with its own key_id (the original plus repeat x 10^16: real key_ids
//    have 16 digits), "word" set to the category. Once as gzipped ndjson (<name>.ndjson.gz), once
//    in Google's binary format (<name>.bin): the names qd_prepare looks for in a directory. A
//    file already there is reused (each is written under a temporary name, then renamed).
// 2. qd::rasterize alone on 1 thread, on the drawings qd_prepare renders (recognised ones that
//    pass its default filters), times the usable cores: what qd_prepare would reach if rendering
//    were all it did.
// 3. For each mirror, `qd_prepare --categories all --source MIRROR --out DIR/out-FORMAT`, its
//    defaults otherwise, into an empty output: wall time, peak RSS (wait4), output on disk, and
//    every category's manifest checked against what its mirror file holds. Then the same command
//    again, nothing changed: wall time, and every category must be left as it was.
// 4. With a qd_train (--train-exe; the default where the trainer is built): `qd_train
//    --conditional --shards DIR/out-binary --log-every 1`: seconds to its first step (the first
//    row of metrics.csv) and its peak resident memory until then (/proc); then SIGTERM.
// --category-count K takes only the first K categories, for quick tries. The tools' output goes
// to DIR/*.log. Exit code: 0 every acceptance check passed, 3 measured but some check failed,
// 1 error.

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/pipeline/drawing_parser.h"
#include "qd/pipeline/prepare_category.h"
#include "qd/pipeline/record_filter.h"
#include "qd/rasterizer/rasterizer.h"
#include "qd/store/json.h"
#include "qd/store/manifest.h"
#include "quickdraw_binary.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

#ifdef QD_TRAIN_EXE
constexpr const char* kDefaultTrainExe = QD_TRAIN_EXE;
#else
constexpr const char* kDefaultTrainExe = "";
#endif

// Real key_ids have 16 digits: adding repeat x 10^16 keeps every repeat distinct.
constexpr uint64_t kKeyStride = 10'000'000'000'000'000ULL;

struct Args {
  uint64_t per_category = 15000;
  size_t category_count = 345;
  fs::path work = "/tmp/qd-whole";
  double seconds = 3;
  std::string prepare_exe = QD_PREPARE_EXE;
  std::string train_exe = kDefaultTrainExe;
  double train_timeout = 120;
  std::string shared;  // ../shared/quickdraw
};

double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string with_commas(uint64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

std::string megabytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

// The cores this process may run on: its affinity mask (a container's or a Slurm task's share).
int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) {
    return static_cast<int>(std::thread::hardware_concurrency());
  }
  return CPU_COUNT(&set);
}

// Ctrl-C reaches the tools too (one process group); run_main's handler only records it, so each
// step checks it rather than going on to the next.
void stop_if_asked() {
  if (qd::cli::stop_requested()) throw std::runtime_error("interrupted");
}

// The 1-minute load average: other work on the machine takes cores from what is measured.
double load_average() {
  double load = 0;
  std::ifstream("/proc/loadavg") >> load;
  return load;
}

// ---------------------------------------------------------------------------------------------
// The drawings

struct Category {
  std::string name;
  std::string drawn_as;  // the excerpt it takes its drawings from (zigzag: zebra)
  std::vector<qd::Drawing> drawings;
  std::vector<bool> rendered;  // passes qd_prepare's default filters
  uint64_t kept = 0;           // what qd_prepare must keep of N drawings

  const qd::Drawing& drawing(uint64_t i) const { return drawings[i % drawings.size()]; }
  uint64_t key_id(uint64_t i) const { return drawing(i).key_id + i / drawings.size() * kKeyStride; }
};

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path.string() + ": cannot read");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// The first `count` categories of categories.txt, each with its excerpt's drawings. A category
// without an excerpt takes the drawings of the nearest one before it that has one.
std::vector<Category> load_categories(const fs::path& shared, const Args& a) {
  const std::vector<std::string> names = read_lines(shared / "categories.txt");
  const fs::path simplified = shared / "simplified";
  const qd::FilterOptions filter = qd::render_options(qd::PrepareSettings{}).filter;
  qd::DrawingParser parser;
  std::vector<Category> categories;
  std::string last_with_excerpt;
  for (size_t c = 0; c < names.size() && categories.size() < a.category_count; ++c) {
    if (fs::exists(simplified / (names[c] + ".ndjson"))) last_with_excerpt = names[c];
    Category category;
    category.name = names[c];
    category.drawn_as =
        fs::exists(simplified / (names[c] + ".ndjson")) ? names[c] : last_with_excerpt;
    if (category.drawn_as.empty()) {
      throw std::runtime_error(names[c] + ": no excerpt, and none before it to take drawings from");
    }
    const fs::path file = simplified / (category.drawn_as + ".ndjson");
    for (const std::string& line : read_lines(file)) {
      qd::Drawing d;
      if (const auto error = parser.parse_unpadded(line, d)) {
        throw std::runtime_error(file.string() + ": " + error->message);
      }
      if (d.key_id >= kKeyStride) {
        throw std::runtime_error(file.string() + ": key_id " + std::to_string(d.key_id) +
                                 " has more than 16 digits: repeats could collide");
      }
      d.word = category.name;  // as Google's file of that category would say
      category.rendered.push_back(!qd::screen(d, filter));
      category.drawings.push_back(std::move(d));
    }
    if (category.drawings.empty()) throw std::runtime_error(file.string() + ": no drawings");
    if ((a.per_category - 1) / category.drawings.size() > UINT64_MAX / kKeyStride - 1) {
      throw std::runtime_error("--per-category " + std::to_string(a.per_category) + " repeats " +
                               category.drawn_as +
                               "'s drawings too often for distinct 64-bit key_ids");
    }
    for (uint64_t i = 0; i < a.per_category; ++i) {
      category.kept += category.rendered[i % category.drawings.size()] ? 1 : 0;
    }
    categories.push_back(std::move(category));
  }
  return categories;
}

// ---------------------------------------------------------------------------------------------
// The mirrors

// A drawing's ndjson line as Google writes it, split around the key_id's digits so each repeat
// only puts its own key_id in between.
struct NdjsonLine {
  std::string head, tail;
};

NdjsonLine ndjson_line(const qd::Drawing& d) {
  NdjsonLine line;
  line.head = "{\"word\":\"" + qd::json_escape(d.word) + "\",\"countrycode\":\"" +
              qd::json_escape(d.countrycode) + "\",\"timestamp\":\"" +
              qd::json_escape(d.timestamp) +
              "\",\"recognized\":" + (d.recognized ? "true" : "false") + ",\"key_id\":\"";
  std::string& t = line.tail;
  t = "\",\"drawing\":[";
  for (size_t s = 0; s < d.stroke_count(); ++s) {
    t += s == 0 ? "[" : ",[";
    for (int axis = 0; axis < 2; ++axis) {
      t += axis == 0 ? "[" : ",[";
      for (uint32_t p = d.stroke_begin(s); p < d.stroke_ends[s]; ++p) {
        if (p != d.stroke_begin(s)) t += ',';
        t += std::to_string(axis == 0 ? d.points[p].x : d.points[p].y);
      }
      t += ']';
    }
    t += ']';
  }
  t += "]}\n";
  return line;
}

// Writes `path` through `write_to(temporary)`, then renames it into place: a file that exists
// is whole.
template <class Write>
void write_whole(const fs::path& path, Write write_to) {
  const fs::path temporary = path.string() + ".partial-" + std::to_string(::getpid());
  write_to(temporary);
  fs::rename(temporary, path);
}

void write_ndjson_gz(const Category& c, uint64_t count, const fs::path& path) {
  write_whole(path, [&](const fs::path& temporary) {
    gzFile out = ::gzopen(temporary.c_str(), "wb6");  // gzip's default level
    if (out == nullptr) throw std::runtime_error(temporary.string() + ": cannot write");
    ::gzbuffer(out, 1 << 20);
    std::vector<NdjsonLine> lines;
    for (const qd::Drawing& d : c.drawings) lines.push_back(ndjson_line(d));
    std::string buffer;
    const auto flush = [&] {
      if (!buffer.empty() &&
          ::gzwrite(out, buffer.data(), static_cast<unsigned>(buffer.size())) == 0) {
        ::gzclose(out);
        throw std::runtime_error(temporary.string() + ": write failed");
      }
      buffer.clear();
    };
    for (uint64_t i = 0; i < count; ++i) {
      const NdjsonLine& line = lines[i % lines.size()];
      buffer += line.head;
      buffer += std::to_string(c.key_id(i));
      buffer += line.tail;
      if (buffer.size() >= (1U << 20)) flush();
    }
    flush();
    if (::gzclose(out) != Z_OK) throw std::runtime_error(temporary.string() + ": write failed");
  });
}

void write_binary(const Category& c, uint64_t count, const fs::path& path) {
  write_whole(path, [&](const fs::path& temporary) {
    std::vector<std::string> records;
    for (const qd::Drawing& d : c.drawings) records.push_back(qd::test::binary_record(d));
    std::ofstream out(temporary, std::ios::binary);
    for (uint64_t i = 0; i < count; ++i) {
      std::string& record = records[i % records.size()];
      for (int b = 0; b < 8; ++b) record[b] = static_cast<char>((c.key_id(i) >> (8 * b)) & 0xff);
      out.write(record.data(), static_cast<std::streamsize>(record.size()));
    }
    out.close();
    if (!out) throw std::runtime_error(temporary.string() + ": write failed");
  });
}

struct Mirror {
  std::string name;    // of its directory, of the output and the logs
  std::string label;   // as the table shows it
  std::string format;  // what qd_prepare's manifest must say it read
  std::string suffix;  // of each file: what qd_prepare looks for
  fs::path dir;
  uint64_t bytes = 0;
  size_t reused = 0;  // files already there
  double seconds = 0;
};

void make_mirror(Mirror& m, const std::vector<Category>& categories, uint64_t count) {
  const auto start = Clock::now();
  fs::create_directories(m.dir);
  for (const Category& c : categories) {
    stop_if_asked();
    const fs::path path = m.dir / (c.name + m.suffix);
    if (fs::exists(path)) {
      ++m.reused;
    } else if (m.format == "binary") {
      write_binary(c, count, path);
    } else {
      write_ndjson_gz(c, count, path);
    }
    m.bytes += fs::file_size(path);
  }
  m.seconds = since(start);
}

// ---------------------------------------------------------------------------------------------
// Cairo alone

// Drawings per second qd::rasterize renders on this thread: the best of 3 rounds.
double rendering_rate(const std::vector<const qd::Drawing*>& drawings, double seconds) {
  const qd::RasterOptions options = qd::render_options(qd::PrepareSettings{}).raster;
  std::vector<uint8_t> image(static_cast<size_t>(options.side) * options.side);
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    uint64_t rendered = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      for (const qd::Drawing* d : drawings) qd::rasterize(*d, options, image.data());
      rendered += drawings.size();
      elapsed = since(start);
    } while (elapsed < seconds / 3);
    best = std::max(best, static_cast<double>(rendered) / elapsed);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Whole processes

// Starts args[0] (no shell: category names hold spaces) with stdout and stderr going to `log`.
pid_t spawn(const std::vector<std::string>& args, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

std::string exit_text(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit code " + std::to_string(WEXITSTATUS(status));
}

struct Finished {
  double seconds = 0;
  double cpu_seconds = 0;   // user and system: over `seconds`, the cores it kept busy
  uint64_t peak_bytes = 0;  // its maximum resident set
  int status = 0;
};

Finished run_to_end(const std::vector<std::string>& args, const fs::path& log) {
  const auto start = Clock::now();
  const pid_t pid = spawn(args, log);
  Finished f;
  rusage usage{};
  while (::wait4(pid, &f.status, 0, &usage) != pid) {
    if (errno != EINTR) throw std::runtime_error("wait4 failed");
  }
  stop_if_asked();
  f.seconds = since(start);
  f.peak_bytes = static_cast<uint64_t>(usage.ru_maxrss) * 1024;
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  f.cpu_seconds = seconds(usage.ru_utime) + seconds(usage.ru_stime);
  return f;
}

std::string command_text(const std::vector<std::string>& args) {
  std::string text;
  for (const std::string& a : args) {
    const bool plain = a.find_first_of(" '\"$\\") == std::string::npos;
    text += (text.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return text;
}

// Bytes a directory tree takes on disk (blocks, as du counts them).
uint64_t disk_usage(const fs::path& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (::lstat(entry.path().c_str(), &st) == 0) bytes += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// qd_prepare

struct PrepareRun {
  std::string command;
  Finished first, rerun;
  uint64_t read = 0, kept = 0;
  uint64_t disk_bytes = 0;
  size_t verified = 0;
  size_t unchanged = 0;  // categories the rerun left as they were
  std::vector<std::string> problems;
};

// Each category's manifest against what its mirror file holds; the count that agree.
size_t verify_output(const fs::path& out, const std::vector<Category>& categories,
                     const Mirror& mirror, uint64_t per_category, PrepareRun& r) {
  size_t verified = 0;
  for (const Category& c : categories) {
    const fs::path path = out / c.name / "manifest.json";
    std::string problem;
    try {
      const qd::Manifest m = qd::read_manifest(path.string());
      uint64_t in_shards = 0;
      for (const qd::ShardInfo& s : m.shards) in_shards += s.count;
      if (m.category != c.name) {
        problem = "the manifest names " + m.category;
      } else if (m.source.format != mirror.format) {
        problem = "read as " + m.source.format + ", not " + mirror.format;
      } else if (m.counts.read != per_category || m.counts.kept != c.kept) {
        problem = "read " + std::to_string(m.counts.read) + " and kept " +
                  std::to_string(m.counts.kept) + ", not " + std::to_string(per_category) +
                  " and " + std::to_string(c.kept);
      } else if (in_shards != m.counts.kept) {
        problem = "its shards hold " + std::to_string(in_shards) + " images";
      }
      r.read += m.counts.read;
      r.kept += m.counts.kept;
    } catch (const std::exception& e) {
      problem = e.what();
    }
    if (problem.empty()) {
      ++verified;
    } else {
      r.problems.push_back(c.name + ": " + problem);
    }
  }
  return verified;
}

std::map<std::string, std::string> creation_times(const fs::path& out,
                                                  const std::vector<Category>& categories) {
  std::map<std::string, std::string> times;
  for (const Category& c : categories) {
    try {
      times[c.name] = qd::read_manifest((out / c.name / "manifest.json").string()).created_at;
    } catch (const std::exception&) {
      times[c.name] = "";  // reported by verify_output
    }
  }
  return times;
}

PrepareRun run_prepare(const Args& a, const Mirror& mirror, const std::vector<Category>& categories,
                       const std::string& category_spec) {
  PrepareRun r;
  const fs::path out = a.work / ("out-" + mirror.name);
  fs::remove_all(out);  // a first run, from nothing
  const std::vector<std::string> args = {a.prepare_exe, "--categories",      category_spec,
                                         "--source",    mirror.dir.string(), "--out",
                                         out.string()};
  r.command = command_text(args);
  const fs::path log = a.work / ("prepare-" + mirror.name + ".log");
  r.first = run_to_end(args, log);
  if (r.first.status != 0) {
    r.problems.push_back("qd_prepare ended with " + exit_text(r.first.status) + " (see " +
                         log.string() + ")");
  }
  r.verified = verify_output(out, categories, mirror, a.per_category, r);
  r.disk_bytes = disk_usage(out);

  const auto before = creation_times(out, categories);
  const fs::path rerun_log = a.work / ("prepare-" + mirror.name + "-rerun.log");
  r.rerun = run_to_end(args, rerun_log);
  if (r.rerun.status != 0) {
    r.problems.push_back("the rerun ended with " + exit_text(r.rerun.status) + " (see " +
                         rerun_log.string() + ")");
  }
  const auto after = creation_times(out, categories);
  for (const Category& c : categories) {
    const bool same = !before.at(c.name).empty() && before.at(c.name) == after.at(c.name);
    r.unchanged += same ? 1 : 0;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// qd_train's start

struct Resident {
  uint64_t rss = 0, hwm = 0, anon = 0, file = 0;  // bytes
};

// VmRSS, VmHWM, RssAnon and RssFile of a running process; nullopt once it has gone (a zombie
// shows no memory).
std::optional<Resident> resident(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  Resident r;
  for (std::string line; std::getline(in, line);) {
    for (const auto& [key, field] :
         {std::pair{"VmRSS:", &r.rss}, std::pair{"VmHWM:", &r.hwm}, std::pair{"RssAnon:", &r.anon},
          std::pair{"RssFile:", &r.file}}) {
      if (line.rfind(key, 0) == 0) {
        *field = std::strtoull(line.c_str() + std::strlen(key), nullptr, 10) * 1024;
      }
    }
  }
  if (r.rss == 0) return std::nullopt;
  return r;
}

size_t line_count(const fs::path& path) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

struct TrainStart {
  std::string command;
  bool stepped = false;
  double seconds = 0;  // to the first row of metrics.csv
  Resident peak;       // each figure's largest value until then (hwm: the kernel's own peak)
  std::string problem;
};

TrainStart run_train(const Args& a, const fs::path& shards) {
  TrainStart t;
  const fs::path run = a.work / "train-run";
  fs::remove_all(run);
  const std::vector<std::string> args = {
      a.train_exe, "--conditional", "--shards",    shards.string(),
      "--out",     run.string(),    "--log-every", "1"};
  t.command = command_text(args);
  const fs::path log = a.work / "train.log";
  const auto start = Clock::now();
  const pid_t pid = spawn(args, log);
  int status = 0;
  while (true) {
    if (const auto r = resident(pid)) {
      t.peak.rss = std::max(t.peak.rss, r->rss);
      t.peak.hwm = std::max(t.peak.hwm, r->hwm);
      t.peak.anon = std::max(t.peak.anon, r->anon);
      t.peak.file = std::max(t.peak.file, r->file);
    }
    if (line_count(run / "metrics.csv") >= 2) {  // its header and the first step
      t.stepped = true;
      t.seconds = since(start);
      break;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      t.problem = "qd_train ended before its first step, with " + exit_text(status) + " (see " +
                  log.string() + ")";
      return t;
    }
    if (qd::cli::stop_requested()) break;
    if (since(start) > a.train_timeout) {
      t.problem = "no step within " + std::to_string(static_cast<int>(a.train_timeout)) + " s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // It writes a checkpoint and exits 130; a second signal would stop it at once.
  ::kill(pid, SIGTERM);
  const auto stopping = Clock::now();
  while (::waitpid(pid, &status, WNOHANG) != pid) {
    if (since(stopping) > 60) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      t.problem = "qd_train did not stop within 60 s of SIGTERM";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop_if_asked();
  return t;
}

// ---------------------------------------------------------------------------------------------

Args parse(int argc, char** argv) {
  Args a;
  const char* env = std::getenv("QD_SHARED_QUICKDRAW");
  a.shared = env != nullptr ? std::string(env)
                            : (fs::path(QD_SOURCE_DIR) / ".." / "shared" / "quickdraw").string();
  std::string work = a.work.string();
  qd::cli::CommandLine command_line(
      "Usage: bench_whole_dataset [--per-category N] [--category-count K] [--work DIR]\n"
      "                           [--train-exe PATH] [options]\n\n"
      "qd_prepare --categories all on mirrors of all 345 categories at N drawings each (real\n"
      "drawings repeated, in gzipped ndjson and in Google's binary format), beside the\n"
      "single-core Cairo rate times the usable cores, measured in the same run; the no-change\n"
      "rerun; qd_train --conditional's start on the result. Exit code 0: every acceptance check\n"
      "passed; 3: some failed; 1: error.\n\nOptions");
  auto& o = command_line.visible;
  qd::cli::add_value(o, "per-category", a.per_category,
                     "drawings of each category in the mirrors (the real dataset: 50,426,266 in "
                     "345, about 146,000 each)");
  qd::cli::add_value(o, "category-count", a.category_count,
                     "the first K categories of categories.txt only (for quick tries)");
  qd::cli::add_value(o, "work", work, "mirrors, outputs and logs (mirrors are reused)");
  qd::cli::add_value(o, "seconds", a.seconds, "the Cairo measurement's length");
  qd::cli::add_value(o, "prepare-exe", a.prepare_exe, "the qd_prepare to measure");
  qd::cli::add_value(o, "train-exe", a.train_exe, "the qd_train to start ('': none)");
  qd::cli::add_value(o, "train-timeout", a.train_timeout, "seconds to wait for its first step");
  qd::cli::add_value(o, "shared", a.shared, "../shared/quickdraw: categories.txt, simplified/");
  qd::cli::parse_or_exit(argc, argv, command_line);
  a.work = work;
  if (a.per_category == 0 || a.category_count == 0 || a.seconds <= 0) {
    throw qd::cli::UsageError("--per-category, --category-count and --seconds must be above 0");
  }
  return a;
}

struct Check {
  std::string what;
  bool pass;
  std::string measured;
};

int measure(const Args& a) {
  const fs::path simplified = fs::path(a.shared) / "simplified";
  if (!fs::is_directory(simplified)) {
    throw std::runtime_error(simplified.string() +
                             " is absent: the benchmark needs the real drawings");
  }
  const std::vector<Category> categories = load_categories(a.shared, a);
  const bool all = categories.size() == 345;
  fs::create_directories(a.work);
  std::string category_spec = "all";
  if (!all) {  // qd_prepare takes a list from a file: names hold spaces
    const fs::path list = a.work / "categories.txt";
    std::ofstream out(list);
    for (const Category& c : categories) out << c.name << "\n";
    category_spec = "@" + list.string();
  }
  const uint64_t drawings = a.per_category * categories.size();
  const double load_before = load_average();
  std::printf("The whole dataset, measured: %zu categories x %s drawings = %s real drawings\n",
              categories.size(), with_commas(a.per_category).c_str(),
              with_commas(drawings).c_str());
  std::printf("(each category's excerpt of %s repeated, a distinct key_id per repeat",
              simplified.c_str());
  for (const Category& c : categories) {
    if (c.name != c.drawn_as) std::printf("; %s: %s's", c.name.c_str(), c.drawn_as.c_str());
  }
  std::printf(")\n\n");
  std::fflush(stdout);

  const fs::path mirrors = a.work / ("mirror-" + std::to_string(a.per_category));
  std::vector<Mirror> kinds = {
      {"ndjson-gz", "gzipped ndjson", "ndjson", ".ndjson.gz", mirrors / "ndjson-gz"},
      {"binary", "Google's binary", "binary", ".bin", mirrors / "binary"}};
  for (Mirror& m : kinds) {
    make_mirror(m, categories, a.per_category);
    std::printf(
        "mirror %s: %s in %zu files, %s\n", m.dir.c_str(), megabytes(m.bytes).c_str(),
        categories.size(),
        m.reused == categories.size()
            ? "reused"
            : ("written in " + std::to_string(static_cast<int>(m.seconds + 0.5)) + " s").c_str());
  }

  // What qd_prepare renders of the mirrors, each category's excerpt once (the mirrors repeat it).
  std::vector<const qd::Drawing*> rendered;
  uint64_t excerpt = 0;
  for (const Category& c : categories) {
    excerpt += c.drawings.size();
    for (size_t i = 0; i < c.drawings.size(); ++i) {
      if (c.rendered[i]) rendered.push_back(&c.drawings[i]);
    }
  }
  const int cores = usable_cores();
  const double cairo = rendering_rate(rendered, a.seconds);
  const double limit = cores * cairo;
  std::printf(
      "\nCairo alone (qd::rasterize, 1 thread, the %s of these %s drawings that qd_prepare "
      "renders): %s drawings/s\n%d-core limit: %d usable cores x that = %s drawings/s\n\n",
      with_commas(rendered.size()).c_str(), with_commas(excerpt).c_str(),
      with_commas(static_cast<uint64_t>(cairo)).c_str(), cores, cores,
      with_commas(static_cast<uint64_t>(limit)).c_str());
  std::fflush(stdout);

  std::vector<PrepareRun> runs;
  for (const Mirror& m : kinds) {
    runs.push_back(run_prepare(a, m, categories, category_spec));
    std::printf("%s\n", runs.back().command.c_str());
    std::fflush(stdout);
  }
  std::printf(
      "\n| source | drawings read | rendered | wall | cores busy | read/s | rendered/s | vs "
      "%d-core "
      "limit | peak RSS | output on disk | categories verified | no-change rerun | its peak RSS "
      "|\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      cores);
  std::vector<Check> checks;
  const auto percent = [](double x) {
    char text[16];
    std::snprintf(text, sizeof text, "%.0f%%", 100 * x);
    return std::string(text);
  };
  const auto mb = [](uint64_t bytes) { return static_cast<double>(bytes) / 1e6; };
  for (size_t i = 0; i < runs.size(); ++i) {
    const PrepareRun& r = runs[i];
    const double read_rate = static_cast<double>(r.read) / r.first.seconds;
    const double rendered_rate = static_cast<double>(r.kept) / r.first.seconds;
    std::printf(
        "| %s | %s | %s | %.1f s | %.2f | %s | %s | **%s** | %.0f MB | %s | %zu of %zu | %.2f s "
        "(%zu of %zu left as they were) | %.0f MB |\n",
        kinds[i].label.c_str(), with_commas(r.read).c_str(), with_commas(r.kept).c_str(),
        r.first.seconds, r.first.cpu_seconds / r.first.seconds,
        with_commas(static_cast<uint64_t>(read_rate)).c_str(),
        with_commas(static_cast<uint64_t>(rendered_rate)).c_str(),
        percent(rendered_rate / limit).c_str(), mb(r.first.peak_bytes),
        megabytes(r.disk_bytes).c_str(), r.verified, categories.size(), r.rerun.seconds,
        r.unchanged, categories.size(), mb(r.rerun.peak_bytes));
    const std::string& label = kinds[i].label;
    checks.push_back(
        {label + ": rendered/s >= 80% of the " + std::to_string(cores) + "-core Cairo limit",
         rendered_rate >= 0.8 * limit, percent(rendered_rate / limit)});
    char peak[64];
    std::snprintf(peak, sizeof peak, "%.0f MB, rerun %.0f MB", mb(r.first.peak_bytes),
                  mb(r.rerun.peak_bytes));
    checks.push_back({label + ": qd_prepare's peak memory < 300 MB",
                      std::max(r.first.peak_bytes, r.rerun.peak_bytes) < 300'000'000, peak});
    char rerun[64];
    std::snprintf(rerun, sizeof rerun, "%.2f s", r.rerun.seconds);
    checks.push_back({label + ": no-change rerun < 5 s, every category left as it was",
                      r.rerun.seconds < 5 && r.unchanged == categories.size(), rerun});
    checks.push_back({label + ": every category written and verified",
                      r.problems.empty() && r.verified == categories.size(),
                      std::to_string(r.verified) + " of " + std::to_string(categories.size())});
    for (size_t p = 0; p < std::min<size_t>(r.problems.size(), 5); ++p) {
      std::printf("  %s: %s\n", label.c_str(), r.problems[p].c_str());
    }
  }
  std::printf(
      "\nrendered: drawings qd_prepare renders (unrecognised ones, %.1f%% here, are dropped "
      "before rendering), the measure comparable with the Cairo limit. Per core: %s drawings "
      "read/s from gzipped ndjson, %s from binary.\n",
      100.0 * static_cast<double>(runs[0].read - runs[0].kept) /
          static_cast<double>(std::max<uint64_t>(runs[0].read, 1)),
      with_commas(
          static_cast<uint64_t>(static_cast<double>(runs[0].read) / runs[0].first.seconds / cores))
          .c_str(),
      with_commas(
          static_cast<uint64_t>(static_cast<double>(runs[1].read) / runs[1].first.seconds / cores))
          .c_str());

  if (!a.train_exe.empty()) {
    const fs::path shards = a.work / "out-binary";
    const TrainStart t = run_train(a, shards);
    std::printf("\n%s\n", t.command.c_str());
    if (t.stepped) {
      std::printf(
          "qd_train --conditional on %zu categories: first step logged after %.1f s; resident "
          "until then: peak %.0f MB (VmHWM), of which at most %.0f MB its own (RssAnon) and "
          "%.0f MB mapped files (RssFile: libraries, and the shards' pages it has read)\n",
          categories.size(), t.seconds, mb(t.peak.hwm), mb(t.peak.anon), mb(t.peak.file));
    }
    if (!t.problem.empty()) std::printf("qd_train: %s\n", t.problem.c_str());
    char first[32];
    std::snprintf(first, sizeof first, "%.1f s", t.seconds);
    checks.push_back(
        {"qd_train: first step < 30 s", t.stepped && t.seconds < 30, t.stepped ? first : "none"});
    char memory[96];
    std::snprintf(memory, sizeof memory, "%.0f MB (RssAnon %.0f MB, RssFile %.0f MB)",
                  mb(t.peak.hwm), mb(t.peak.anon), mb(t.peak.file));
    checks.push_back({"qd_train: resident < 1 GB until then (VmHWM)",
                      t.stepped && t.peak.hwm < 1'000'000'000, memory});
  } else {
    std::printf("\nqd_train: not started (no --train-exe)\n");
  }

  std::printf(
      "\nLoad average (1 min) before: %.2f, after: %.2f. The rates want an otherwise idle "
      "machine: other work takes the cores they are measured against.\n",
      load_before, load_average());
  std::printf("\nAcceptance (#30 part 4):\n");
  bool all_pass = true;
  for (const Check& c : checks) {
    std::printf("  %s  %s: %s\n", c.pass ? "PASS" : "FAIL", c.what.c_str(), c.measured.c_str());
    all_pass = all_pass && c.pass;
  }
  if (!all) {
    std::printf("(%zu of the 345 categories: --category-count)\n", categories.size());
  }
  return all_pass ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  return qd::cli::run_main("bench_whole_dataset", [&] { return measure(parse(argc, argv)); });
}
