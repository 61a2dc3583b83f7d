#include "qd/pipeline/prepare_run.h"

#include <tbb/global_control.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <thread>

#include "qd/store/run_lock.h"

namespace qd {

bool PrepareRunResult::any(CategoryStatus status) const {
  return std::any_of(reports.begin(), reports.end(),
                     [status](const CategoryReport& r) { return r.status == status; });
}

PrepareRunResult prepare_run(const PrepareRequest& request, ProgressSink& sink,
                             const std::atomic<bool>& stop) {
  namespace fs = std::filesystem;
  PrepareRunResult result;
  const std::string& out = request.options.out_dir;
  fs::create_directories(fs::path(out) / ".locks");

  const size_t threads = request.threads > 0 ? static_cast<size_t>(request.threads)
                                             : std::max(1U, std::thread::hardware_concurrency());
  const tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
  PrepareOptions options = request.options;
  options.max_chunks_in_flight = 4 * threads;
  // A category not attempted: reported, and the run goes on with the others.
  const auto not_attempted = [&](const std::string& category, CategoryStatus status,
                                 const std::string& why) {
    CategoryReport report;
    report.category = category;
    report.status = status;
    report.error = why;
    sink.finished(report);
    result.reports.push_back(report);
  };
  for (const std::string& category : request.categories) {
    if (stop) break;
    const std::string lock_path = category_lock_path(out, category);
    std::string holder;
    std::optional<RunLock> lock;
    try {
      lock = RunLock::try_acquire(lock_path, &holder);
    } catch (const std::runtime_error& e) {
      // Another user's lock file in a shared --out, a directory in its place, no inodes left:
      // that category cannot be written, the others may well be.
      not_attempted(category, CategoryStatus::kFailed, e.what());
      continue;
    }
    if (!lock) {
      not_attempted(category, CategoryStatus::kBusy,
                    "being written by another qd_prepare" +
                        (holder.empty() ? "" : " (pid " + holder + ")") + ", which holds " +
                        lock_path);
      continue;
    }
    remove_stale_staging(out, category);
    result.reports.push_back(prepare_category(category, options, sink, stop));
  }
  result.interrupted = stop;
  return result;
}

}  // namespace qd
