#pragma once
// The heart of qd_prepare: one category's records through a bounded, ordered oneTBB flow graph.
//
//   read lines (serial) -> parse, filter, rasterize (parallel) -> restore order -> write (serial)
//
// At most `max_chunks_in_flight` chunks of about `chunk_bytes` each exist at once, so memory stays
// flat whatever the input size. Records reach the writer in input order, so the output (and which
// of two duplicates is kept) does not depend on the number of threads.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "qd/pipeline/byte_source.h"
#include "qd/pipeline/manifest.h"
#include "qd/pipeline/record_filter.h"
#include "qd/pipeline/shard_writer.h"
#include "qd/rasterizer/rasterizer.h"

namespace qd {

struct GraphOptions {
  RasterOptions raster;
  FilterOptions filter;
  double val_fraction = 0.05;
  uint64_t max_kept = 0;  // stop once this many drawings are kept; 0: read everything
  size_t chunk_bytes = size_t{1} << 20;
  size_t max_chunks_in_flight = 8;
};

// A record dropped as malformed or truncated, for the user to look at.
struct RejectedRecord {
  uint64_t line = 0;
  uint64_t key_id = 0;  // 0 when it could not be read
  RejectReason reason = RejectReason::kMalformed;
  std::string detail;  // the parser's message
};

struct GraphCallbacks {
  // After each chunk is written: the counts so far and the decoded bytes read.
  std::function<void(const CategoryCounts&, uint64_t bytes_read)> progress;
  // Each malformed or truncated record, in input order.
  std::function<void(const RejectedRecord&)> rejected;
};

struct GraphResult {
  CategoryCounts counts;
  bool source_truncated = false;  // the gzip stream ended inside a member
  bool interrupted = false;       // `stop` was raised before the input ended
};

// Reads `source` to its end (or to max_kept, or until `stop` becomes true) and appends every kept
// drawing to `out`. Exceptions from the source (unreadable, corrupt) or the writer propagate.
GraphResult run_prepare_graph(ByteSource& source, ShardSetWriter& out, const GraphOptions& options,
                              const GraphCallbacks& callbacks, const std::atomic<bool>& stop);

}  // namespace qd
