#pragma once
// What a training run shows as it goes: metrics.csv rows, the progress line (rewritten in place
// on a terminal; otherwise a line per epoch and every 30 seconds), per-epoch sample grids,
// progress.gif and loss.png.

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "qd/report/metrics_log.h"
#include "qd/report/reports.h"
#include "qd/step/gan_trainer.h"

namespace qd::train {

// Images per row of every grid a run draws.
inline constexpr int kGridColumns = 8;

// The fixed inputs of the per-epoch grids: 8 columns; one row per category when conditional.
struct GridInputs {
  torch::Tensor noise;
  torch::Tensor labels;  // undefined when unconditional
  PictureFormat picture;
};
GridInputs grid_inputs(const ModelConfig& model, uint64_t seed, bool ink);

class TrainingReport {
 public:
  // `first_step`: where this session starts (metrics.csv rows after it are dropped).
  // Not `interactive` (not a terminal): a progress line every `log_interval` as well as at the
  // end of each epoch, so a log shows the run is alive however long an epoch takes.
  TrainingReport(std::string run_dir, int64_t epochs, int64_t first_step, int64_t total_steps,
                 std::ostream& log, bool interactive,
                 std::chrono::seconds log_interval = std::chrono::seconds(30));

  // A metrics.csv row for the steps since the last one.
  void record(GanTrainer& trainer, int64_t epoch, int64_t batch_size, double loader_wait_total);
  // samples/epoch-NNNN.png, progress.gif, loss.png and the epoch's progress line.
  void end_epoch(GanTrainer& trainer, int64_t epoch, const GridInputs& grid);
  void say(const std::string& line);
  double session_seconds() const;  // since this process began training

 private:
  using Clock = std::chrono::steady_clock;
  std::string progress_line(int64_t step, int64_t epoch) const;

  std::string out_;
  int64_t epochs_;
  int64_t total_steps_;
  MetricsLog metrics_;
  std::ostream& log_;
  bool interactive_;
  int64_t session_first_step_;
  Clock::time_point session_start_;
  Clock::time_point interval_start_;
  std::chrono::seconds log_interval_;
  Clock::time_point last_log_line_;
  double wait_at_interval_start_ = 0;
  MetricsRow last_{};
  bool show_augment_p_ = false;  // --augment-p is not 1: the progress line shows p
};

}  // namespace qd::train
