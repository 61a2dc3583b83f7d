#pragma once
// A whole qd_prepare run: takes the output directory's lock, clears what killed runs left, and
// prepares each category in turn with a bounded flow graph.

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
  bool locked = false;       // another process holds <out>/.qd_prepare.lock: nothing was done
  std::string lock_path;     // for the message
  std::string lock_holder;   // its pid, when known
  bool interrupted = false;  // `stop` was raised
  std::vector<CategoryReport> reports;

  bool any_failed() const;
};

// Throws std::runtime_error if the output directory or its lock file cannot be created.
PrepareRunResult prepare_run(const PrepareRequest& request, ProgressSink& sink,
                             const std::atomic<bool>& stop);

}  // namespace qd
