#pragma once
// A whole qd_prepare run: each category in turn under its own lock (category_lock_path), what
// killed runs left of it cleared first, prepared with a bounded flow graph. Categories whose lock
// another process holds are left to it (kBusy).

#include <atomic>
#include <string>
#include <vector>

#include "qd/pipeline/prepare_category.h"

namespace qd {

struct PrepareRequest {
  std::vector<std::string> categories;
  PrepareOptions options;  // max_chunks_in_flight is set from `threads`
  int threads = 0;         // 0: every core
};

struct PrepareRunResult {
  bool interrupted = false;  // `stop` was raised
  std::vector<CategoryReport> reports;

  bool any(CategoryStatus status) const;
};

// Throws std::runtime_error if the output directory cannot be created. A category whose lock file
// cannot be created or locked fails (kFailed), and the run goes on with the others.
PrepareRunResult prepare_run(const PrepareRequest& request, ProgressSink& sink,
                             const std::atomic<bool>& stop);

}  // namespace qd
