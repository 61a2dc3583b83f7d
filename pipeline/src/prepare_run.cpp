#include "qd/pipeline/prepare_run.h"

#include <tbb/global_control.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <thread>

#include "qd/store/run_lock.h"

namespace qd {

bool PrepareRunResult::any_failed() const {
  return std::any_of(reports.begin(), reports.end(),
                     [](const CategoryReport& r) { return r.status == CategoryStatus::kFailed; });
}

PrepareRunResult prepare_run(const PrepareRequest& request, ProgressSink& sink,
                             const std::atomic<bool>& stop) {
  namespace fs = std::filesystem;
  PrepareRunResult result;
  fs::create_directories(request.options.out_dir);
  result.lock_path = (fs::path(request.options.out_dir) / ".qd_prepare.lock").string();
  const std::optional<RunLock> lock = RunLock::try_acquire(result.lock_path, &result.lock_holder);
  if (!lock) {
    result.locked = true;
    return result;
  }
  remove_stale_staging(request.options.out_dir);

  const size_t threads = request.threads > 0 ? static_cast<size_t>(request.threads)
                                             : std::max(1U, std::thread::hardware_concurrency());
  const tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
  PrepareOptions options = request.options;
  options.max_chunks_in_flight = 4 * threads;
  for (const std::string& category : request.categories) {
    if (stop) break;
    result.reports.push_back(prepare_category(category, options, sink, stop));
  }
  result.interrupted = stop;
  return result;
}

}  // namespace qd
