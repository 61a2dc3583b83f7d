#include "qd/pipeline/prepare_category.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "qd/pipeline/http_source.h"
#include "qd/store/atomic_directory.h"
#include "qd/store/atomic_file.h"
#include "qd/store/json.h"
#include "qd/store/version.h"

namespace qd {

const char* to_string(CategoryStatus status) {
  static constexpr const char* kNames[] = {"written", "up to date", "FAILED", "interrupted",
                                           "busy"};
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
  r.filter.max_points = settings.max_points;
  r.filter.max_strokes = settings.max_strokes;
  r.max_line_bytes = static_cast<size_t>(settings.max_record_bytes);
  r.epsilon = settings.epsilon;
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

// True when every file the manifest lists is there, whole: sizes and CRC-32s of images and keys,
// and of the stroke-3 .npz.
// A damaged directory is rebuilt, whatever the source says.
bool shards_intact(const std::string& dir, const Manifest& m, ProgressSink& sink,
                   const std::string& category) {
  try {
    for (const ShardInfo& s : m.shards) verify_shard(dir, s, m.settings.size);
    if (m.stroke3) verify_stroke3(dir, *m.stroke3);
    return true;
  } catch (const std::exception& e) {
    sink.warning(category, std::string(e.what()) + "; the category is rebuilt");
    return false;
  }
}

// Why a finished result must not replace the previous output, or "" when it may. A refresh never
// shrinks a dataset silently: a cut or empty source, or one whose records are all rejected (an
// error page, a file of zeros), is a failure; so is a result under half the previous one, unless
// the options changed or --allow-shrink says so.
std::string refusal(const GraphResult& result, const std::optional<Manifest>& previous,
                    const PrepareOptions& options) {
  const CategoryCounts& c = result.counts;
  if (result.source_truncated) return "the gzip stream ends inside a member: the file is cut off";
  const bool binary = result.format == InputFormat::kBinary;
  if (result.last_line_cut) {
    return binary ? "the stream ends inside the last record: the file is cut off"
                  : "the last line has no newline and is not a whole record: the file is cut off";
  }
  if (c.read == 0) return "no records: the source is empty";
  if (c.kept == 0) {
    std::string reasons;
    for (size_t r = 0; r < kRejectReasonCount; ++r) {
      if (c.rejected.by_reason[r] == 0) continue;
      reasons += (reasons.empty() ? "" : ", ") + std::to_string(c.rejected.by_reason[r]) + " " +
                 to_string(static_cast<RejectReason>(r));
    }
    return "none of its " + std::to_string(c.read) + " records is a usable drawing (" + reasons +
           "): is it Quick, Draw! " + (binary ? "binary data?" : "ndjson?");
  }
  if (previous && previous->settings == options.settings && !options.allow_shrink &&
      c.kept * 2 < previous->counts.kept) {
    return "it would shrink the category from " + std::to_string(previous->counts.kept) + " to " +
           std::to_string(c.kept) +
           " drawings (below half): the source may be incomplete; if that is expected, rerun "
           "with --allow-shrink";
  }
  return "";
}

// The source, opened, and what identifies its current version.
struct OpenedSource {
  std::unique_ptr<ByteSource> raw;  // what open_decoded wraps
  HttpSource* http = nullptr;       // the same object when it is an HTTP transfer
  SourceIdentity identity;
  bool unchanged = false;  // the server answered 304 Not Modified
};

OpenedSource open_source(const std::string& location, const std::optional<Manifest>& previous,
                         const std::atomic<bool>& stop) {
  OpenedSource s;
  s.identity.location = location;
  if (is_http_url(location)) {
    HttpValidators validators;
    if (previous && previous->source.location == location) {
      validators.etag = previous->source.etag;
      validators.last_modified = previous->source.last_modified;
    }
    HttpOptions options;
    options.cancel = &stop;
    auto http = open_http_source(location, validators, options);
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
  if (::stat(location.c_str(), &st) != 0) {
    throw SourceError(location + ": cannot stat: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    throw SourceError(location + ": not a regular file (a FIFO, device or directory): refused");
  }
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

std::string category_location(const std::string& source, const std::string& category,
                              InputFormat format) {
  const bool binary = format == InputFormat::kBinary;
  if (source.empty()) {
    return url_join(binary                        ? kGoogleBinaryBase
                    : format == InputFormat::kRaw ? kGoogleRawBase
                                                  : kGoogleSimplifiedBase,
                    category + (binary ? ".bin" : ".ndjson"));
  }
  if (is_http_url(source)) return url_join(source, category + (binary ? ".bin" : ".ndjson"));
  std::vector<std::string> names;
  if (format != InputFormat::kBinary) names = {".ndjson", ".ndjson.gz"};
  if (format == InputFormat::kAuto || binary) {
    names.insert(names.end(), {".bin", ".bin.gz"});
  }
  for (const std::string& suffix : names) {
    std::string path = (fs::path(source) / (category + suffix)).string();
    if (fs::exists(path)) return path;
  }
  return (fs::path(source) / (category + names.front())).string();  // missing: named in the error
}

std::string category_lock_path(const std::string& out_dir, const std::string& category) {
  return (fs::path(out_dir) / ".locks" / (category + ".lock")).string();
}

void remove_stale_staging(const std::string& out_dir, const std::string& category) {
  const std::string prefix = "." + category + kStagingMarker;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::string pid = name.substr(std::min(prefix.size(), name.size()));
    if (name.rfind(prefix, 0) == 0 && !pid.empty() &&
        pid.find_first_not_of("0123456789") == std::string::npos) {
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
  const std::string dest = (fs::path(job.out_dir) / category).string();
  const std::string staging =
      (fs::path(job.out_dir) / ("." + category + kStagingMarker + std::to_string(::getpid())))
          .string();
  try {
    report.location = category_location(job.source, category, job.input_format);
    sink.started(category, report.location);
    const auto previous = previous_manifest(dest, sink, category);
    // A format asked for that the previous run did not read the source as changes the output.
    const bool same_format = job.input_format == InputFormat::kAuto ||
                             (previous && previous->source.format == to_string(job.input_format));
    const bool comparable = !job.force && previous && previous->settings == job.settings &&
                            previous->category == category && same_format &&
                            shards_intact(dest, *previous, sink, category);
    OpenedSource source = open_source(report.location, comparable ? previous : std::nullopt, stop);
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
    g.render.input_format = job.input_format;
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

    const bool bitmaps = has_output_format(job.settings.format, "bitmap");
    g.render.bitmaps = bitmaps;
    ShardSetWriter shards(staging, job.settings.size, job.settings.shard_size);
    std::optional<Stroke3Writer> stroke3;
    if (has_output_format(job.settings.format, "stroke3")) {
      stroke3.emplace(staging, category + ".npz");
      g.stroke3 = &*stroke3;
    }
    auto decoded = open_decoded(std::move(source.raw));
    const GraphResult result = run_prepare_graph(*decoded, shards, g, callbacks, stop);
    if (result.interrupted) {
      remove_tree(staging);
      report.status = CategoryStatus::kInterrupted;
      report.seconds = elapsed();
      sink.finished(report);
      return report;
    }
    const std::string refused = refusal(result, previous, job);
    if (!refused.empty()) {
      throw SourceError(report.location + ": " + refused);
    }
    m.counts = result.counts;
    m.source.format = to_string(result.format);
    m.source.truncated = result.source_truncated;
    if (bitmaps) m.shards = shards.finish();
    for (const ShardInfo& s : m.shards) verify_shard(staging, s, job.settings.size);
    if (stroke3) {
      m.stroke3 = stroke3->finish();
      verify_stroke3(staging, *m.stroke3);
    }
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
