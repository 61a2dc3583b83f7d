#pragma once
// metrics.csv in a run directory: one row per logged step (see step_csv.h).

#include <cstdint>
#include <string>
#include <vector>

#include "qd/report/step_csv.h"

namespace qd::train {

struct MetricsRow {
  static constexpr const char* kHeader =
      "step,epoch,loss_d,loss_g,d_real,d_fake,images_per_s,loader_wait_s,augment_p";
  // Before augment_p: its rows read with augment_p 1 (every transform on every image).
  static constexpr const char* kOlderHeader =
      "step,epoch,loss_d,loss_g,d_real,d_fake,images_per_s,loader_wait_s";
  int64_t step = 0;
  int64_t epoch = 0;
  double loss_d = 0, loss_g = 0;
  double d_real = 0, d_fake = 0;  // D(x) and D(G(z)), mean probabilities
  double images_per_s = 0;
  double loader_wait_s = 0;  // time the step waited on the loader
  double augment_p = 1;      // the augmentation probability at the row's step (--augment-p)

  std::string line() const;
  // A row of either header's form.
  static bool parse(const std::string& line, MetricsRow& row);
};

using MetricsLog = StepCsv<MetricsRow>;

inline std::vector<MetricsRow> read_metrics_csv(const std::string& path) {
  return read_step_csv<MetricsRow>(path);
}

}  // namespace qd::train
