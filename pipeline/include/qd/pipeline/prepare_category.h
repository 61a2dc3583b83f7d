#pragma once
// Prepares one category: finds its source, decides whether anything changed since the last run,
// runs the flow graph into a staging directory, verifies what was written, and only then puts
// the new directory in place of the old one. Any failure leaves the previous output untouched.

#include <atomic>
#include <cstdint>
#include <string>

#include "qd/pipeline/prepare_graph.h"

namespace qd {

// Google's bucket: simplified drawings `<base>/<category>.ndjson`, the same in the binary format
// `<binary base>/<category>.bin`, raw drawings `<raw base>/<category>.ndjson`.
inline constexpr const char* kGoogleSimplifiedBase =
    "https://storage.googleapis.com/quickdraw_dataset/full/simplified";
inline constexpr const char* kGoogleBinaryBase =
    "https://storage.googleapis.com/quickdraw_dataset/full/binary";
inline constexpr const char* kGoogleRawBase =
    "https://storage.googleapis.com/quickdraw_dataset/full/raw";

// How every category of a run is prepared.
struct PrepareOptions {
  std::string source;  // a directory holding <category>.ndjson[.gz] or .bin[.gz], or an http(s)
                       // base URL
  InputFormat input_format = InputFormat::kAuto;  // what the source holds (category_location)
  std::string out_dir = "data";
  PrepareSettings settings;
  bool force = false;         // rebuild even if nothing changed
  bool allow_shrink = false;  // accept a result under half the previous one
  size_t max_chunks_in_flight = 8;
};

// kBusy: another qd_prepare holds the category's lock; it was left to that one.
enum class CategoryStatus { kWritten, kUpToDate, kFailed, kInterrupted, kBusy };
const char* to_string(CategoryStatus status);

struct CategoryReport {
  std::string category;
  CategoryStatus status = CategoryStatus::kFailed;
  std::string location;  // the file or URL read
  std::string error;     // for kFailed: what went wrong and where
  Manifest manifest;     // for kWritten and kUpToDate
  double seconds = 0;
  uint64_t bytes_read = 0;  // decoded bytes (0 when up to date)
};

// What a user sees while a category is prepared (qd_prepare's terminal or log output).
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void started(const std::string& category, const std::string& location) = 0;
  virtual void progress(const std::string& category, const CategoryCounts& counts,
                        uint64_t bytes_read, double seconds) = 0;
  virtual void rejected(const std::string& category, const std::string& location,
                        const RejectedRecord& record) = 0;
  virtual void warning(const std::string& category, const std::string& message) = 0;
  virtual void finished(const CategoryReport& report) = 0;
};

// How records are rendered and screened under `settings`.
RenderOptions render_options(const PrepareSettings& settings);

// The source of `category` under `source` (empty: Google's bucket, `full/simplified/`,
// `full/binary/` or `full/raw/` as `format` says; auto: simplified). In a directory: auto takes
// the first of <category>.ndjson, .ndjson.gz, .bin, .bin.gz that is there; binary the .bin
// names; ndjson and raw the .ndjson names. Over HTTP: <category>.bin for binary, else .ndjson.
std::string category_location(const std::string& source, const std::string& category,
                              InputFormat format = InputFormat::kAuto);

CategoryReport prepare_category(const std::string& category, const PrepareOptions& options,
                                ProgressSink& sink, const std::atomic<bool>& stop);

// <out_dir>/.locks/<category>.lock: one writer per category, so processes on one machine or on
// several sharing a file system (flock over NFS v4, Lustre, GPFS) can write different
// categories of one output directory at once.
std::string category_lock_path(const std::string& out_dir, const std::string& category);

// Removes the staging directories of `category` left by killed runs (call holding its lock).
void remove_stale_staging(const std::string& out_dir, const std::string& category);

}  // namespace qd
