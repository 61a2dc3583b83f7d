#pragma once
// The run directory: config.json, metrics.csv, samples/, checkpoints/, progress.gif, loss.png.
// See docs/training.md for the format.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "qd/data/dataset.h"
#include "qd/run/train_options.h"
#include "qd/store/run_lock.h"

namespace qd::train {

// The run directory cannot be used as asked (holds another run, or no run to resume): the
// command line names the wrong directory, so the tools report it as a usage error.
class RunDirectoryError : public std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

inline constexpr int kRunFormatVersion = 2;

// What config.json tells a later process (qd_train --resume, qd_sample).
struct SavedRun {
  TrainOptions options;
  std::vector<std::string> categories;  // label i -> name
  ImageShape image;                     // the data's, which the networks are built for
  bool ink = true;                      // Dataset::ink(): how grey pictures are shown
  uint64_t images = 0;
  // How many data-parallel processes trained it (the weights depend on it: each process takes
  // batch_size / processes images a step). Runs written before it was recorded: 1.
  int processes = 1;
};

// Creates `dir` for a new run. Throws RunDirectoryError if it exists and is not empty.
void create_run_directory(const std::string& dir);

// The run directory's lock (<dir>/.qd_train.lock), held while training: one writer per run.
// Throws RunDirectoryError naming the holder when another process has it.
RunLock lock_run_directory(const std::string& dir);

// Writes <dir>/config.json atomically: every option, the data (sources with their manifests,
// categories, image shape), the data-parallel processes and the versions of qd and LibTorch.
void write_run_config(const std::string& dir, const TrainOptions& options, const Dataset& data,
                      int processes = 1);
// The same from what config.json records (`sources`: the inputs' entries, each with its
// manifest; read_run_config does not read them back).
void write_run_config(const std::string& dir, const SavedRun& run,
                      const std::vector<DatasetSource>& sources = {});
// Throws RunDirectoryError if there is no config.json, StoreError if it is unreadable.
SavedRun read_run_config(const std::string& dir);

std::string checkpoint_path(const std::string& dir, int64_t step);
std::vector<std::string> list_checkpoints(const std::string& dir);  // oldest first
void prune_checkpoints(const std::string& dir, int keep);           // keeps the newest `keep`

// <dir>/checkpoints/best.pt: the checkpoint with the best FID of a run evaluated as it trains
// (a hard link to the step's checkpoint, so pruning that one keeps it).
std::string best_checkpoint_path(const std::string& dir);
// The checkpoint file `which` names: "best", "latest" or "" (the newest), or a path. Throws
// RunDirectoryError for best in a run that has none, std::runtime_error when there is no
// checkpoint yet or the path does not exist.
std::string resolve_checkpoint(const std::string& dir, const std::string& which);

}  // namespace qd::train
