#pragma once
// manifest.json: what a prepared category directory holds, how it was made and from what.
// Written last into a category's directory; read back to decide whether a refresh has work to do.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qd/pipeline/record_filter.h"
#include "qd/pipeline/shard_writer.h"

namespace qd {

inline constexpr int kManifestFormatVersion = 1;

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

  bool operator==(const PrepareSettings& o) const;
  bool operator!=(const PrepareSettings& o) const { return !(*this == o); }
};

// Where the records came from, and what identifies that version of it.
struct SourceIdentity {
  std::string location;  // a path or a URL
  int64_t size = -1;     // bytes as stored or sent; -1 when unknown
  int64_t mtime_ns = 0;  // local files: modification time
  std::string etag;      // HTTP: validators for the next conditional GET
  std::string last_modified;
  bool truncated = false;  // the stream ended inside a gzip member
};

struct CategoryCounts {
  uint64_t read = 0;  // lines read (records offered to the filters)
  uint64_t kept = 0;
  uint64_t train = 0;
  uint64_t val = 0;
  RejectCounts rejected;
};

struct Manifest {
  int format_version = kManifestFormatVersion;
  std::string category;
  std::string generator;   // "qd_prepare <version>"
  std::string created_at;  // UTC, ISO 8601
  PrepareSettings settings;
  SourceIdentity source;
  CategoryCounts counts;
  std::vector<ShardInfo> shards;
};

std::string to_json(const Manifest& manifest);

// Throws std::runtime_error naming `origin` (the file) and the field at fault.
Manifest parse_manifest(std::string_view json, const std::string& origin);
Manifest read_manifest(const std::string& path);

// Escapes a string for a JSON string literal (without the quotes).
std::string json_escape(std::string_view s);

}  // namespace qd
