// qd_prepare: turns Quick, Draw! simplified ndjson (Google's bucket, an HTTP mirror or a local
// directory; plain or gzipped) into verified train/val shards under <out>/<category>/, safe to
// run from cron: unchanged sources are skipped, and a category's directory is replaced only by a
// complete, verified new one.

#include <tbb/global_control.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "console_progress.h"
#include "qd/pipeline/categories.h"
#include "qd/pipeline/prepare_category.h"
#include "qd/pipeline/run_lock.h"

namespace po = boost::program_options;

namespace {

enum ExitCode {
  kOk = 0,            // every category written or already up to date
  kFatal = 1,         // nothing could be done (output directory unusable, ...)
  kUsage = 2,         // bad command line or unknown category
  kSomeFailed = 3,    // some categories failed; their previous output is unchanged
  kLocked = 4,        // another qd_prepare is writing the same output directory
  kInterrupted = 130  // SIGINT or SIGTERM; the category in progress keeps its previous output
};

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
  g_stop = true;
  // A second signal ends the process at once; the next run cleans up the staging directory.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

struct Options {
  std::string categories;
  std::string source;
  std::string out = "data";
  qd::PrepareSettings settings;
  int threads = 0;
  bool force = false;
  bool quiet = false;
};

const char* kUsageText =
    "Usage: qd_prepare --categories NAMES [--source DIR|URL] [--out DIR] [options]\n\n"
    "Reads Quick, Draw! simplified drawings (ndjson, plain or gzipped: gzip is recognised by its\n"
    "magic bytes), drops unusable records, renders the rest exactly as Google rendered its\n"
    "numpy_bitmap files, and writes per category <out>/<name>/: train-NNNNN.npy and\n"
    "val-NNNNN.npy (uint8 [N, size, size], 255 = ink), a .keys.npy (uint64 key_ids) beside each,\n"
    "and manifest.json (options, source, counts, CRC-32 of every file).\n\n"
    "Records dropped, each counted in the manifest under its reason: unrecognized (the game did\n"
    "not recognise it; see --keep-unrecognized), malformed (not valid simplified-drawing JSON),\n"
    "truncated (cut off: a last line without newline, a gzip stream ending inside a record; or\n"
    "too small to be a drawing: see --min-points, --min-extent), duplicate (a key_id already\n"
    "kept). The split is by a hash of key_id, so it stays stable across refreshes.\n\n"
    "A rerun skips a category whose source and options did not change (size and mtime of a\n"
    "local file; ETag/Last-Modified over HTTP, with a conditional GET). A category is written to\n"
    "<out>/.<name>.partial-PID, verified, then swapped in atomically: an interrupted or failed\n"
    "run leaves the previous output intact.\n\n"
    "Exit codes: 0 all categories written or up to date; 1 fatal error (nothing done);\n"
    "2 usage error or unknown category; 3 some categories failed (the others were written);\n"
    "4 another qd_prepare holds <out>/.qd_prepare.lock; 130 interrupted (SIGINT/SIGTERM).\n\n"
    "Options";

std::optional<Options> parse_command_line(int argc, char** argv) {
  Options o;
  qd::PrepareSettings& s = o.settings;
  po::options_description visible(kUsageText, 100, 50);
  visible.add_options()("help,h", "show this help and exit")(
      "categories,c", po::value(&o.categories),
      "official category names, comma-separated (\"cat,The Eiffel Tower\"), 'all', or "
      "@FILE (one name per line)")(
      "source", po::value(&o.source),
      "a directory holding <name>.ndjson or <name>.ndjson.gz, or an http(s) mirror with "
      "Google's layout (default: Google's bucket, "
      "https://storage.googleapis.com/quickdraw_dataset/full/simplified)")(
      "out,o", po::value(&o.out)->default_value("data"), "output directory")(
      "size,s", po::value(&s.size)->default_value(28), "image side in pixels")(
      "line-width", po::value(&s.line_width)->default_value(16.0),
      "stroke width, in the 256-unit drawing space")(
      "padding", po::value(&s.padding)->default_value(16.0),
      "margin on each edge, in the 256-unit drawing space")(
      "val-fraction", po::value(&s.val_fraction)->default_value(0.05, "0.05"),
      "share of drawings in the validation split (0..1)")(
      "keep-unrecognized", po::bool_switch(&s.keep_unrecognized),
      "keep drawings the game did not recognise")(
      "max-per-category", po::value(&s.max_per_category)->default_value(0),
      "stop after keeping N drawings of a category (0: all)")(
      "shard-size", po::value(&s.shard_size)->default_value(50000), "images per shard file")(
      "min-points", po::value(&s.min_points)->default_value(2),
      "fewer points than this: truncated")(
      "min-extent", po::value(&s.min_extent)->default_value(64),
      "a bounding box whose longer side spans fewer units than this: truncated")(
      "threads,j", po::value(&o.threads)->default_value(0), "worker threads (0: all cores)")(
      "force", po::bool_switch(&o.force), "rebuild categories even if nothing changed")(
      "quiet,q", po::bool_switch(&o.quiet), "print nothing but errors");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, visible), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "qd_prepare: " << e.what() << "\nTry 'qd_prepare --help'.\n";
    return std::nullopt;
  }
  if (vm.count("help") != 0U) {
    std::cout << visible << "\n";
    std::exit(kOk);
  }
  std::string problem;
  if (o.categories.empty()) problem = "--categories is required (e.g. --categories cat,dog)";
  if (s.size < 1 || s.size > 4096) problem = "--size must be 1..4096";
  if (s.line_width < 0 || s.padding < 0) problem = "--line-width and --padding must be >= 0";
  if (!(s.val_fraction >= 0 && s.val_fraction <= 1)) problem = "--val-fraction must be 0..1";
  if (s.shard_size == 0) problem = "--shard-size must be at least 1";
  if (o.threads < 0) problem = "--threads must be >= 0";
  if (!problem.empty()) {
    std::cerr << "qd_prepare: " << problem << "\nTry 'qd_prepare --help'.\n";
    return std::nullopt;
  }
  return o;
}

int run(const Options& o, const std::vector<std::string>& categories) {
  namespace fs = std::filesystem;
  try {
    fs::create_directories(o.out);
  } catch (const std::exception& e) {
    std::cerr << "qd_prepare: cannot create the output directory: " << e.what() << "\n";
    return kFatal;
  }
  std::string holder;
  const std::string lock_path = (fs::path(o.out) / ".qd_prepare.lock").string();
  std::optional<qd::RunLock> lock;
  try {
    lock = qd::RunLock::try_acquire(lock_path, &holder);
  } catch (const std::exception& e) {
    std::cerr << "qd_prepare: " << e.what() << "\n";
    return kFatal;
  }
  if (!lock) {
    std::cerr << "qd_prepare: " << o.out << " is being written by another qd_prepare"
              << (holder.empty() ? "" : " (pid " + holder + ")") << "; " << lock_path
              << " is locked. Try again when it has finished.\n";
    return kLocked;
  }
  qd::remove_stale_staging(o.out);

  const size_t threads = o.threads > 0 ? static_cast<size_t>(o.threads)
                                       : std::max(1U, std::thread::hardware_concurrency());
  tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);

  qd::ConsoleProgress console(o.quiet);
  std::vector<qd::CategoryReport> reports;
  bool failed = false;
  for (const std::string& category : categories) {
    if (g_stop) break;
    qd::CategoryJob job;
    job.category = category;
    job.source = o.source;
    job.out_dir = o.out;
    job.settings = o.settings;
    job.force = o.force;
    job.max_chunks_in_flight = 4 * threads;
    reports.push_back(qd::prepare_category(job, console, g_stop));
    failed |= reports.back().status == qd::CategoryStatus::kFailed;
  }
  console.summary(reports);
  if (g_stop) return kInterrupted;
  return failed ? kSomeFailed : kOk;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_command_line(argc, argv);
  if (!options) return kUsage;
  std::vector<std::string> categories;
  try {
    categories = qd::resolve_categories(options->categories);
  } catch (const std::exception& e) {
    std::cerr << "qd_prepare: " << e.what() << "\n";
    return kUsage;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  try {
    return run(*options, categories);
  } catch (const std::exception& e) {
    std::cerr << "qd_prepare: " << e.what() << "\n";
    return kFatal;
  }
}
