#pragma once
// qd_prepare's output: a live line per category on a terminal, plain log lines otherwise, the
// first few bad records of each category, and a summary table at the end.

#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "qd/pipeline/prepare_category.h"

namespace qd {

class ConsoleProgress final : public ProgressSink {
 public:
  // quiet: errors only. Live updates go to stderr when it is a terminal.
  explicit ConsoleProgress(bool quiet);

  void started(const std::string& category, const std::string& location) override;
  void progress(const std::string& category, const CategoryCounts& counts, uint64_t bytes_read,
                double seconds) override;
  void rejected(const std::string& category, const std::string& location,
                const RejectedRecord& record) override;
  void warning(const std::string& category, const std::string& message) override;
  void finished(const CategoryReport& report) override;

  void summary(const std::vector<CategoryReport>& reports) const;

 private:
  void clear_live_line();

  static constexpr size_t kShownRejects = 5;  // per category; the rest are only counted
  bool quiet_;
  bool live_;  // stderr is a terminal
  bool line_open_ = false;
  std::chrono::steady_clock::time_point last_update_{};
  size_t shown_rejects_ = 0;
  size_t hidden_rejects_ = 0;
};

}  // namespace qd
