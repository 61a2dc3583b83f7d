// qd_prepare: turns Quick, Draw! simplified ndjson (Google's bucket, an HTTP mirror or a local
// directory; plain or gzipped) into verified train/val shards under <out>/<category>/, safe to
// run from cron: unchanged sources are skipped, and a category's directory is replaced only by a
// complete, verified new one.

#include <cstdio>
#include <string>

#include "console_progress.h"
#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/pipeline/categories.h"
#include "qd/pipeline/input_format.h"
#include "qd/pipeline/prepare_run.h"
#include "qd/store/value_range.h"
#include "settings_flags.h"

namespace {

namespace cli = qd::cli;
namespace po = cli::po;

const char* const kUsageText =
    "Usage: qd_prepare --categories NAMES [--source DIR|URL] [--out DIR] [options]\n\n"
    "Reads Quick, Draw! drawings (simplified ndjson, Google's binary .bin, or raw ndjson, which\n"
    "is simplified as Google did; plain or gzipped: gzip is recognised by its magic bytes, the\n"
    "format by content, see --input-format), drops unusable records, renders the rest exactly\n"
    "as Google rendered its numpy_bitmap files, and writes per category <out>/<name>/:\n"
    "train-NNNNN.npy and val-NNNNN.npy (uint8 [N, size, size], 255 = ink), a .keys.npy\n"
    "(uint64 key_ids) beside each, and manifest.json (options, source, counts, CRC-32 of every\n"
    "file). --format stroke3 writes sketch-rnn's <name>.npz instead (train, valid, test: int16\n"
    "[n, 3] dx, dy, pen lifted), --format bitmap,stroke3 both.\n\n"
    "Records dropped, each counted in the manifest under its reason: unrecognized (the game did\n"
    "not recognise it; see --keep-unrecognized), malformed (not a valid drawing record),\n"
    "truncated (cut off: a last line without newline, a gzip stream ending inside a record; or\n"
    "too small to be a drawing: see --min-points, --min-extent), duplicate (a key_id already\n"
    "kept). The split is by a hash of key_id, so it stays stable across refreshes.\n\n"
    "A rerun skips a category whose source and options did not change (size and mtime of a\n"
    "local file; ETag/Last-Modified over HTTP, with a conditional GET). A category is written to\n"
    "<out>/.<name>.partial-PID, verified, then swapped in atomically: an interrupted or failed\n"
    "run leaves the previous output intact.\n\n"
    "Each category is written under its own lock, <out>/.locks/<name>.lock: any number of\n"
    "qd_prepare processes, on one machine or several sharing a file system, may write different\n"
    "categories of one --out at once; a category another one is writing is skipped and left to\n"
    "it. In a job array, --task I/N takes task I's share of the categories (every Nth from I).\n\n"
    "Exit codes: 0 all categories written or up to date; 1 failed (nothing done); 2 usage error\n"
    "or unknown category; 3 some categories failed (the others were written); 4 some categories\n"
    "were skipped because another qd_prepare is writing them (the others were done); 130\n"
    "interrupted (SIGINT/SIGTERM).\n\n"
    "Options";

struct Options {
  std::string categories;
  std::string input_format = "auto";
  std::string task;
  qd::PrepareRequest request;
  bool quiet = false;
  bool print_out_dir = false;
};

Options parse_command_line(int argc, char** argv) {
  Options o;
  qd::PrepareOptions& p = o.request.options;
  cli::CommandLine command_line(kUsageText);
  auto add = command_line.visible.add_options();
  add("categories,c", po::value(&o.categories),
      "official category names, comma-separated (\"cat,The Eiffel Tower\"), 'all', or "
      "@FILE (one name per line)");
  add("source", po::value(&p.source),
      "a directory holding <name>.ndjson, <name>.ndjson.gz or <name>.bin, or an http(s) mirror "
      "with Google's layout (default: Google's bucket, "
      "https://storage.googleapis.com/quickdraw_dataset/full/simplified, or full/binary, "
      "full/raw as --input-format says)");
  add("input-format", po::value(&o.input_format)->default_value(o.input_format),
      "what the source holds: ndjson (simplified), binary (Google's .bin), raw (raw ndjson, "
      "simplified as Google did), or auto: recognised by content (a directory: the first of "
      "<name>.ndjson, .ndjson.gz, .bin, .bin.gz; a URL: <name>.ndjson)");
  add("out,o", po::value(&p.out_dir)->default_value(p.out_dir), "output directory");
  qd::add_settings_flags(command_line.visible, p.settings, qd::SettingsFlags::kAll);
  add = command_line.visible.add_options();
  add("task", po::value(&o.task),
      "I/N: in a job array of N tasks, this one (I from 0) takes categories I, I+N, I+2N... of "
      "the list (e.g. \"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\")");
  cli::add_value(command_line.visible, "threads,j", o.request.threads,
                 "worker threads (0: all cores)", qd::between(0, 1024));
  add = command_line.visible.add_options();
  add("force", po::bool_switch(&p.force), "rebuild categories even if nothing changed");
  add("allow-shrink", po::bool_switch(&p.allow_shrink),
      "accept a result with under half the drawings of the previous one (refused otherwise)");
  add("quiet,q", po::bool_switch(&o.quiet), "print nothing but errors");
  add("print-out-dir", po::bool_switch(&o.print_out_dir),
      "check the command line, print the output directory it names and exit, doing nothing else "
      "(for scripts: qd-prepare-cron.sh finds the lock files there)");
  cli::parse_or_exit(argc, argv, command_line);

  if (o.categories.empty()) {
    throw cli::UsageError("--categories is required (e.g. --categories cat,dog)");
  }
  o.request.categories = qd::resolve_categories(o.categories);  // std::invalid_argument: exit 2
  p.input_format = qd::parse_input_format(o.input_format);
  p.settings.format = qd::canonical_output_formats(p.settings.format);
  if (!o.task.empty()) {
    const auto [index, count] = qd::parse_task(o.task);
    o.request.categories = qd::task_slice(o.request.categories, index, count);
  }
  return o;
}

int run(int argc, char** argv) {
  const Options o = parse_command_line(argc, argv);
  if (o.print_out_dir) {
    std::printf("%s\n", o.request.options.out_dir.c_str());
    return cli::kOk;
  }
  qd::ConsoleProgress console(o.quiet);
  if (o.request.categories.empty()) {
    std::fprintf(stderr, "qd_prepare: --task %s: no category falls to this task\n", o.task.c_str());
    return cli::kOk;
  }
  const qd::PrepareRunResult result = qd::prepare_run(o.request, console, cli::stop_requested());
  console.summary(result.reports);
  if (result.interrupted) return cli::kInterrupted;
  if (result.any(qd::CategoryStatus::kFailed)) return cli::kPartial;
  return result.any(qd::CategoryStatus::kBusy) ? cli::kLocked : cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("qd_prepare", [&] { return run(argc, argv); });
}
