#pragma once
// metrics.csv in a run directory: one row per logged step, appended and flushed as training goes,
// so a run killed at any moment keeps every row written before the kill.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace qd::train {

struct MetricsRow {
  int64_t step = 0;
  int64_t epoch = 0;
  double loss_d = 0, loss_g = 0;
  double d_real = 0, d_fake = 0;  // D(x) and D(G(z)), mean probabilities
  double images_per_s = 0;
  double loader_wait_s = 0;  // time the step waited on the loader
};

// The header line of metrics.csv (without newline).
extern const char* const kMetricsCsvHeader;

class MetricsLog {
 public:
  // Opens `path` for appending (creating it with its header). Rows with step > keep_through_step
  // and a partial last line (a kill mid-write) are dropped first, so a resumed run continues the
  // file exactly where its checkpoint left off. Throws std::runtime_error naming the file.
  MetricsLog(const std::string& path, int64_t keep_through_step);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void append(const MetricsRow& row);  // written and flushed before returning
  const std::vector<MetricsRow>& rows() const { return rows_; }  // the whole file, for plots

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<MetricsRow> rows_;
};

// Every complete row of a metrics.csv (a partial last line is ignored). Throws
// std::runtime_error naming the file and line for anything else that does not parse.
std::vector<MetricsRow> read_metrics_csv(const std::string& path);

}  // namespace qd::train
