#include "qd/pipeline/prepare_category.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

#include "qd/pipeline/http_source.h"
#include "qd/store/atomic_directory.h"
#include "qd/store/atomic_file.h"
#include "qd/store/json.h"
#include "qd/store/version.h"

namespace qd {

const char* to_string(CategoryStatus status) {
  static constexpr const char* kNames[] = {"written", "up to date", "FAILED", "interrupted"};
  return kNames[static_cast<size_t>(status)];
}

RenderOptions render_options(const PrepareSettings& settings) {
  RenderOptions r;
  r.raster.side = settings.size;
  r.raster.line_width = settings.line_width;
  r.raster.padding = settings.padding;
  r.filter.keep_unrecognized = settings.keep_unrecognized;
  r.filter.min_points = settings.min_points;
  r.filter.min_extent = settings.min_extent;
  return r;
}

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kStagingMarker = ".partial-";

// The previous run's manifest, if there is a usable one.
std::optional<Manifest> previous_manifest(const std::string& dir, ProgressSink& sink,
                                          const std::string& category) {
  const std::string path = dir + "/manifest.json";
  if (!fs::exists(path)) return std::nullopt;
  try {
    return read_manifest(path);
  } catch (const std::exception& e) {
    sink.warning(category, std::string(e.what()) + "; the category is rebuilt");
    return std::nullopt;
  }
}

// True when every file the manifest lists is there with its recorded size (a cheap check that
// nobody damaged the directory since; the full CRC check is the trainer's).
bool files_intact(const std::string& dir, const Manifest& m) {
  std::error_code ec;
  for (const ShardInfo& s : m.shards) {
    if (fs::file_size(dir + "/" + s.file, ec) != s.bytes || ec) return false;
    if (fs::file_size(dir + "/" + s.keys, ec) != s.keys_bytes || ec) return false;
  }
  return true;
}

// The source, opened, and what identifies its current version.
struct OpenedSource {
  std::unique_ptr<ByteSource> raw;  // what open_decoded wraps
  HttpSource* http = nullptr;       // the same object when it is an HTTP transfer
  SourceIdentity identity;
  bool unchanged = false;  // the server answered 304 Not Modified
};

OpenedSource open_source(const std::string& location, const std::optional<Manifest>& previous) {
  OpenedSource s;
  s.identity.location = location;
  if (is_http_url(location)) {
    HttpValidators validators;
    if (previous && previous->source.location == location) {
      validators.etag = previous->source.etag;
      validators.last_modified = previous->source.last_modified;
    }
    auto http = open_http_source(location, validators);
    const HttpResponseInfo& info = http->info();
    s.unchanged = http->not_modified();
    s.identity.size = info.content_length;
    s.identity.etag = info.etag;
    s.identity.last_modified = info.last_modified;
    if (s.unchanged && previous) {
      s.identity = previous->source;  // a 304 carries no new validators worth keeping
    }
    s.http = http.get();
    s.raw = std::move(http);
    return s;
  }
  struct stat st {};
  if (::stat(location.c_str(), &st) != 0) throw SourceError(location + ": cannot stat");
  s.identity.size = static_cast<int64_t>(st.st_size);
  s.identity.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  s.raw = open_file_source(location);
  return s;
}

bool same_version(const SourceIdentity& a, const SourceIdentity& b) {
  if (a.location != b.location) return false;
  if (!a.etag.empty() || !b.etag.empty()) return a.etag == b.etag;
  if (!a.last_modified.empty() || !b.last_modified.empty()) {
    return a.last_modified == b.last_modified && a.size == b.size;
  }
  return a.size == b.size && a.mtime_ns == b.mtime_ns;
}

}  // namespace

std::string category_location(const std::string& source, const std::string& category) {
  if (source.empty()) return url_join(kGoogleSimplifiedBase, category + ".ndjson");
  if (is_http_url(source)) return url_join(source, category + ".ndjson");
  std::string plain = (fs::path(source) / (category + ".ndjson")).string();
  std::string gz = plain + ".gz";
  if (!fs::exists(plain) && fs::exists(gz)) return gz;
  return plain;
}

void remove_stale_staging(const std::string& out_dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(kStagingMarker) != std::string::npos) {
      remove_tree(entry.path().string());
    }
  }
}

CategoryReport prepare_category(const std::string& category, const PrepareOptions& job,
                                ProgressSink& sink, const std::atomic<bool>& stop) {
  const auto start = Clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  CategoryReport report;
  report.category = category;
  report.location = category_location(job.source, category);
  const std::string dest = (fs::path(job.out_dir) / category).string();
  const std::string staging =
      (fs::path(job.out_dir) / ("." + category + kStagingMarker + std::to_string(::getpid())))
          .string();
  sink.started(category, report.location);
  try {
    const auto previous = previous_manifest(dest, sink, category);
    const bool comparable = !job.force && previous && previous->settings == job.settings &&
                            previous->category == category && files_intact(dest, *previous);
    OpenedSource source = open_source(report.location, comparable ? previous : std::nullopt);
    if (comparable && (source.unchanged || same_version(source.identity, previous->source))) {
      report.status = CategoryStatus::kUpToDate;
      report.manifest = *previous;
      report.seconds = elapsed();
      sink.finished(report);
      return report;
    }

    remove_tree(staging);
    fs::create_directories(staging);
    Manifest m;
    m.category = category;
    m.generator = std::string("qd_prepare ") + kVersion;
    m.settings = job.settings;
    m.source = source.identity;

    GraphOptions g;
    g.render = render_options(job.settings);
    g.render.max_chunks_in_flight = job.max_chunks_in_flight;
    g.val_fraction = job.settings.val_fraction;
    g.max_kept = job.settings.max_per_category;
    GraphCallbacks callbacks;
    callbacks.progress = [&](const CategoryCounts& c, uint64_t bytes) {
      report.bytes_read = bytes;
      sink.progress(category, c, bytes, elapsed());
    };
    callbacks.rejected = [&](const RejectedRecord& r) {
      sink.rejected(category, report.location, r);
    };

    ShardSetWriter shards(staging, job.settings.size, job.settings.shard_size);
    auto decoded = open_decoded(std::move(source.raw));
    const GraphResult result = run_prepare_graph(*decoded, shards, g, callbacks, stop);
    if (result.interrupted) {
      remove_tree(staging);
      report.status = CategoryStatus::kInterrupted;
      report.seconds = elapsed();
      sink.finished(report);
      return report;
    }
    m.counts = result.counts;
    m.source.truncated = result.source_truncated;
    if (result.source_truncated) {
      sink.warning(category, report.location +
                                 ": the gzip stream ends inside a member (the file is cut "
                                 "off); the records before the cut are kept");
    }
    m.shards = shards.finish();
    for (const ShardInfo& s : m.shards) verify_shard(staging, s, job.settings.size);
    m.created_at = utc_now();
    write_file_atomically(staging + "/manifest.json", to_json(m));
    sync_directory(staging);
    install_directory(staging, dest);

    report.status = CategoryStatus::kWritten;
    report.manifest = std::move(m);
  } catch (const std::exception& e) {
    remove_tree(staging);
    report.status = CategoryStatus::kFailed;
    report.error = e.what();
  }
  report.seconds = elapsed();
  sink.finished(report);
  return report;
}

}  // namespace qd
