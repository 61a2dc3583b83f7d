#pragma once
// The heart of qd_prepare and qd_render: records through a bounded, ordered oneTBB flow graph.
//
//   read lines (serial) -> parse, filter, rasterize (parallel) -> restore order -> consume (serial)
//
// At most `max_chunks_in_flight` chunks of about `chunk_bytes` each exist at once, so memory stays
// flat whatever the input size. Chunks reach the consumer in input order, so the output (and which
// of two duplicates is kept) does not depend on the number of threads.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "qd/pipeline/byte_source.h"
#include "qd/pipeline/input_format.h"
#include "qd/pipeline/record_filter.h"
#include "qd/rasterizer/rasterizer.h"
#include "qd/store/shard_set.h"
#include "qd/store/stroke3.h"

namespace qd {

struct RenderOptions {
  RasterOptions raster;
  FilterOptions filter;
  // What the source holds; kAuto: recognised by content (sniff_input_format). A source whose
  // content is recognised as another format than the one given is refused (SourceError).
  InputFormat input_format = InputFormat::kAuto;
  double epsilon = 2.0;  // raw input: Ramer-Douglas-Peucker's tolerance (raw_simplifier.h)
  bool bitmaps = true;   // render each kept drawing (RenderedChunk::images)
  bool stroke3 = false;  // and/or give its stroke-3 rows (RenderedChunk::stroke3)
  size_t max_line_bytes = 256 * 1024;  // a longer line or record is read past, unkept: too_large
  size_t chunk_bytes = size_t{1} << 20;
  size_t max_chunks_in_flight = 8;
};

// What became of one line.
struct LineOutcome {
  uint64_t key_id = 0;  // 0 when it could not be read
  std::optional<RejectReason> rejected;
  std::string detail;  // malformed, truncated, too_large: what is wrong ("not_json: ...")
};

// One chunk of lines (binary: records), parsed, screened and rendered.
struct RenderedChunk {
  InputFormat format = InputFormat::kNdjson;  // what the stream holds (never kAuto)
  uint64_t first_line = 1;                    // 1-based line (binary: record) number of outcomes[0]
  std::vector<uint64_t> offsets;  // binary: each record's byte offset in the decoded stream
  // side*side bytes per line (unused for rejected lines); empty unless options.bitmaps.
  std::vector<uint8_t> images;
  // options.stroke3: the kept drawings' stroke-3 rows (3 int16 each, append_stroke3), line i's
  // being rows [stroke3_ends[i - 1], stroke3_ends[i]) (none for a rejected line).
  std::vector<int16_t> stroke3;
  std::vector<uint32_t> stroke3_ends;
  std::vector<LineOutcome> outcomes;
  uint64_t bytes_read = 0;     // decoded bytes read from the source up to the end of this chunk
  bool last_line_cut = false;  // the last line had no newline (binary: the stream ended inside the
                               // last record) and did not parse

  uint64_t line_number(size_t i) const { return first_line + i; }
};

// Reads `source` to its end and hands each rendered chunk to `consume`, in input order, from one
// thread at a time. Stops early when `consume` returns false or `stop` becomes true (then returns
// true). Exceptions from the source (unreadable, corrupt, not of options.input_format) or from
// `consume` propagate. `format_read`, if given, is set to the format the source was read as.
bool render_in_order(ByteSource& source, const RenderOptions& options,
                     const std::function<bool(const RenderedChunk&)>& consume,
                     const std::atomic<bool>& stop, InputFormat* format_read = nullptr);

struct GraphOptions {
  RenderOptions render;  // render.bitmaps: shards are written; render.stroke3: `stroke3` is
  Stroke3Writer* stroke3 = nullptr;  // where stroke-3 drawings go, by stroke3_split_of
  double val_fraction = 0.05;
  uint64_t max_kept = 0;  // stop once this many drawings are kept; 0: read everything
};

// A record dropped as malformed or truncated, for the user to look at.
struct RejectedRecord {
  uint64_t line = 0;               // binary: the record's number, from 1
  std::optional<uint64_t> offset;  // binary: the record's byte offset in the decoded stream
  uint64_t key_id = 0;             // 0 when it could not be read
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
  InputFormat format = InputFormat::kNdjson;  // what the source was read as
  CategoryCounts counts;
  bool source_truncated = false;  // the gzip stream ended inside a member
  bool last_line_cut = false;     // the last line (record) was cut off and did not parse
  bool interrupted = false;       // `stop` was raised before the input ended
};

// qd_prepare's graph: render_in_order into `out` (and options.stroke3), dropping duplicates,
// splitting by key_id, up to max_kept drawings.
GraphResult run_prepare_graph(ByteSource& source, ShardSetWriter& out, const GraphOptions& options,
                              const GraphCallbacks& callbacks, const std::atomic<bool>& stop);

}  // namespace qd
