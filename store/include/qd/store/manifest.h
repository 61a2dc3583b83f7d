#pragma once
// manifest.json: what a prepared category directory holds, how it was made and from what. Written
// last into a category's directory; read back to decide whether a refresh has work to do, and by
// every reader of the shards to check them. docs/formats.md describes the file.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qd/store/value_range.h"

namespace qd {

inline constexpr int kManifestFormatVersion = 1;

enum class Split : uint8_t { kTrain, kVal };
const char* to_string(Split split);

// Which shards a reader takes: one split or both.
enum class SplitSelection : uint8_t { kTrain, kVal, kAll };
const char* to_string(SplitSelection selection);
// "train", "val" or "all"; throws std::invalid_argument otherwise.
SplitSelection parse_split_selection(std::string_view name);

// Why a record was dropped. The manifest counts every dropped record under exactly one reason.
enum class RejectReason : uint8_t {
  kUnrecognized,  // "recognized": false (kept with --keep-unrecognized)
  kMalformed,     // anything the parser rejects
  kTruncated,     // cut off (unterminated last line, stream ending inside a record) or too small
  kDuplicate,     // a key_id already kept in this category
  kTooLarge,      // over --max-record-bytes, --max-points or --max-strokes
};
inline constexpr size_t kRejectReasonCount = 5;
const char* to_string(RejectReason reason);

struct RejectCounts {
  std::array<uint64_t, kRejectReasonCount> by_reason{};

  void add(RejectReason r, uint64_t n = 1) { by_reason[static_cast<size_t>(r)] += n; }
  uint64_t operator[](RejectReason r) const { return by_reason[static_cast<size_t>(r)]; }
  uint64_t total() const;
};

// Every option that changes the bytes of the output. Two runs with equal settings and an
// unchanged source produce identical shards.
struct PrepareSettings {
  int size = 28;
  double line_width = 16.0;
  double padding = 16.0;
  double val_fraction = 0.05;
  bool keep_unrecognized = false;
  uint64_t max_per_category = 0;  // kept drawings; 0: all
  uint64_t shard_size = 50000;    // images per shard file
  uint32_t min_points = 2;
  uint32_t min_extent = 64;
  // Bounds on the work one record may cost. Of 9,600 real drawings the largest line is 3,470
  // bytes, with 503 points in 55 strokes; rendering time grows steeply with points (8,000 take
  // about 0.2 s, 32,000 about 4 s).
  uint64_t max_record_bytes = uint64_t{256} * 1024;
  uint32_t max_points = 8192;
  uint32_t max_strokes = 1024;
  // Raw input: Ramer-Douglas-Peucker's tolerance when simplifying (Google's: 2.0). It changes the
  // output only for raw sources, but is compared for every one (one rule, and cheap).
  double epsilon = 2.0;
  // What is written: "bitmap" (the shards), "stroke3" (sketch-rnn's <category>.npz) or
  // "bitmap,stroke3"; canonical_output_formats gives this form.
  std::string format = "bitmap";

  bool operator==(const PrepareSettings& o) const;
  bool operator!=(const PrepareSettings& o) const { return !(*this == o); }
};

// "bitmap", "stroke3", "bitmap,stroke3" (or "stroke3,bitmap", spaces around names allowed) in the
// canonical form above. Throws std::invalid_argument naming the option and what it accepts.
std::string canonical_output_formats(std::string_view list);
bool has_output_format(const std::string& formats, std::string_view name);

// The --format range: a list canonical_output_formats accepts, in its canonical form.
struct OutputFormats {
  void check(std::string_view name, const std::string& value) const;
  std::string describe() const { return {}; }
};
inline constexpr OutputFormats kOutputFormats{};

// Calls v(key, help, range, field of each of `settings`...) for every field of PrepareSettings,
// in the manifest's order: the manifest's "options", their comparison, and qd_prepare's options
// (--key with '-' for '_') all come from this one list. `range` (value_range.h) is what the field
// accepts, of the field's own type (kAnyValue for the switch): checked on the command line and
// when a manifest is read.
template <class Visitor, class... Settings>
void visit_prepare_settings(Visitor&& v, Settings&... s) {
  // The rasterizer's limits: a side of 0 has no pixels, and more than 4096 is not a doodle.
  v("size", "image side in pixels, e.g. 28, 64, 128", between(1, 4096), s.size...);
  // Width 0 draws nothing (every image black); over a quarter of the 256-unit space, a blot.
  v("line_width", "stroke width, in the 256-unit drawing space", between(0.1, 64.0),
    s.line_width...);
  v("padding", "margin on each edge, in the 256-unit drawing space", between(0.0, 256.0),
    s.padding...);
  v("val_fraction", "share of drawings in the validation split", between(0.0, 1.0),
    s.val_fraction...);
  v("keep_unrecognized", "keep drawings the game did not recognise", kAnyValue,
    s.keep_unrecognized...);
  v("max_per_category", "stop after keeping N drawings of a category (0: all)",
    at_least<uint64_t>(0), s.max_per_category...);
  v("shard_size", "images per shard file", at_least<uint64_t>(1), s.shard_size...);
  v("min_points", "fewer points than this: truncated", at_least<uint32_t>(0), s.min_points...);
  // Coordinates are 0..255: a longer side of 256 or more would drop every drawing.
  v("min_extent", "a bounding box whose longer side spans fewer units than this: truncated",
    between<uint32_t>(0, 255), s.min_extent...);
  // Real lines are 153 to 3,470 bytes (median 454): a limit under 1 KiB would only cut real
  // drawings. A chunk's line offsets are 32-bit, so a line kept must stay well under 4 GiB.
  v("max_record_bytes", "a longer line is skipped: too_large",
    between<uint64_t>(1024, uint64_t{1} << 30), s.max_record_bytes...);
  // Upper bounds are the user's to raise: they bound the work a record may cost, not validity.
  v("max_points", "a drawing with more points is not rendered: too_large", at_least<uint32_t>(1),
    s.max_points...);
  v("max_strokes", "a drawing with more strokes is not rendered: too_large", at_least<uint32_t>(1),
    s.max_strokes...);
  // 0 keeps every resampled point; beyond 255 every stroke is a line from its first point to its
  // last.
  v("epsilon",
    "raw input: the simplification's tolerance (Ramer-Douglas-Peucker), in the 0..255 space",
    between(0.0, 255.0), s.epsilon...);
  v("format",
    "what to write: bitmap (the image shards), stroke3 (sketch-rnn's <name>.npz), or both: "
    "bitmap,stroke3",
    kOutputFormats, s.format...);
}

// Keys that manifests written before they existed lack (still format 1): absent, a limit reads
// as none (what qd applied then), a count as 0.
bool added_after_format_1(std::string_view key);

// Where the records came from, and what identifies that version of it.
struct SourceIdentity {
  std::string location;  // a path or a URL
  int64_t size = -1;     // bytes as stored or sent; -1 when unknown
  int64_t mtime_ns = 0;  // local files: modification time
  std::string etag;      // HTTP: validators for the next conditional GET
  std::string last_modified;
  bool truncated = false;  // the stream ended inside a gzip member
  // What the records were read as: "ndjson" (simplified), "binary" or "raw" (absent from
  // manifests written before qd read other formats: "ndjson").
  std::string format = "ndjson";
};

struct CategoryCounts {
  uint64_t read = 0;  // lines read (records offered to the filters)
  uint64_t kept = 0;
  uint64_t train = 0;
  uint64_t val = 0;
  RejectCounts rejected;
};

// One shard: `<split>-NNNNN.npy` (uint8 [count, side, side]) and its `.keys.npy` (uint64 [count]).
struct ShardInfo {
  std::string file;  // names relative to the category directory
  std::string keys;
  Split split = Split::kTrain;
  uint64_t count = 0;
  uint32_t crc32 = 0;  // zlib's CRC-32 of the whole file, header included
  uint32_t keys_crc32 = 0;
  uint64_t bytes = 0;  // file sizes, to notice a damaged directory cheaply
  uint64_t keys_bytes = 0;
};

// sketch-rnn's stroke-3 file of a category (stroke3.h), when --format asks for it.
struct Stroke3Info {
  std::string file;  // "<category>.npz", in the category directory
  uint64_t bytes = 0;
  uint32_t crc32 = 0;
  uint64_t train = 0;  // drawings in each of its three splits
  uint64_t valid = 0;
  uint64_t test = 0;
};

struct Manifest {
  int format_version = kManifestFormatVersion;
  std::string category;
  std::string generator;   // "qd_prepare <version>"
  std::string created_at;  // UTC, ISO 8601
  PrepareSettings settings;
  SourceIdentity source;
  CategoryCounts counts;
  std::vector<ShardInfo> shards;  // empty when settings.format has no bitmap
  std::optional<Stroke3Info> stroke3;
};

std::string to_json(const Manifest& manifest);

// Throws StoreError naming `origin` (the file) and the field at fault.
Manifest parse_manifest(std::string_view json, const std::string& origin);
Manifest read_manifest(const std::string& path);

}  // namespace qd
