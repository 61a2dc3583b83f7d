#include "qd/pipeline/prepare_graph.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/flow_graph.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_set>

#include "binary_chunker.h"
#include "line_chunker.h"
#include "prefixed_source.h"
#include "qd/pipeline/binary_format.h"
#include "qd/pipeline/drawing_parser.h"
#include "qd/pipeline/raw_simplifier.h"

namespace qd {
namespace {

namespace flow = tbb::flow;

// One chunk of lines on its way through the graph.
struct Batch {
  LineChunk chunk;
  RenderedChunk rendered;
};
using BatchPtr = std::shared_ptr<Batch>;

struct Worker {
  DrawingParser parser;
  Drawing drawing;
  RawDrawing raw;
};

// Reads a record into w.drawing, as the stream's format says (raw: into w.raw, not simplified).
std::optional<ParseError> parse_record(InputFormat format, std::string_view record, Worker& w) {
  if (format == InputFormat::kBinary) return parse_binary_record(record, w.drawing);
  if (format == InputFormat::kRaw) return w.parser.parse_raw(record, w.drawing, w.raw);
  return w.parser.parse(record, w.drawing);
}

// A raw drawing simplified into w.drawing, or why it is too large to be: over the point and
// stroke limits as it was drawn, or a path so long that resampling it would hold more than
// 4 x --max-points points (real ones reach 2,700).
std::optional<std::string> simplify(const RenderOptions& o, Worker& w) {
  const RawDrawing& raw = w.raw;
  if (raw.x.size() > o.filter.max_points || raw.stroke_count() > o.filter.max_strokes) {
    return std::to_string(raw.x.size()) + " raw points in " + std::to_string(raw.stroke_count()) +
           " strokes (max " + std::to_string(o.filter.max_points) + " and " +
           std::to_string(o.filter.max_strokes) + "), not simplified";
  }
  SimplifyOptions s;
  s.epsilon = o.epsilon;
  s.max_resampled_points = 4 * uint64_t{o.filter.max_points};
  uint64_t resampled = 0;
  if (!simplify_raw(raw, s, w.drawing, &resampled)) {
    return "a path of about " + std::to_string(resampled) + " units to resample (max " +
           std::to_string(s.max_resampled_points) + ", 4 x --max-points), not simplified";
  }
  return std::nullopt;
}

void process(Batch& b, const RenderOptions& o, InputFormat format, Worker& w) {
  const size_t n = b.chunk.lines.size();
  const size_t image_bytes = static_cast<size_t>(o.raster.side) * o.raster.side;
  const bool binary = format == InputFormat::kBinary;
  RenderedChunk& r = b.rendered;
  r.format = format;
  r.first_line = b.chunk.first_line;
  r.offsets = b.chunk.offsets;
  r.images.resize(o.bitmaps ? n * image_bytes : 0);
  r.outcomes.assign(n, {});
  r.stroke3.clear();
  r.stroke3_ends.assign(o.stroke3 ? n : 0, 0);
  for (size_t i = 0; i < n; ++i) {
    LineOutcome& out = r.outcomes[i];
    // A last record the stream ends inside (ndjson: a last line without its newline).
    const bool last_open = b.chunk.last_line_unterminated && i + 1 == n;
    // The chunker skips unread a line it finds too long before its newline; a shorter one that
    // arrived in the same read as other lines is caught here, so the limit is exact.
    const bool skipped = i < b.chunk.too_long.size();
    const uint64_t line_bytes = skipped ? b.chunk.too_long[i] : b.chunk.line(i).size();
    if (o.stroke3) r.stroke3_ends[i] = static_cast<uint32_t>(r.stroke3.size() / 3);
    if (skipped || line_bytes > o.max_line_bytes) {
      out.rejected = RejectReason::kTooLarge;
      out.detail = std::string(binary ? "a record of " : "a line of ") +
                   std::to_string(line_bytes) + " bytes (max " + std::to_string(o.max_line_bytes) +
                   ")" + (skipped ? ", skipped unread" : "");
      // A binary record cut off while it was skipped: the file is cut, whatever its size.
      if (binary && last_open) {
        out.rejected = RejectReason::kTruncated;
        out.detail = "the stream ends inside the last record: " + out.detail;
        r.last_line_cut = true;
      }
      continue;
    }
    const auto error = parse_record(format, b.chunk.line(i), w);
    out.key_id = w.drawing.key_id;
    if (error) {
      // A last record cut off that does not parse is a record cut off, not a bad one.
      out.rejected = last_open ? RejectReason::kTruncated : RejectReason::kMalformed;
      out.detail = std::string(to_string(error->kind)) + ": " + error->message;
      if (last_open) {
        out.detail =
            (binary ? "the stream ends inside the last record: " : "last line has no newline: ") +
            out.detail;
      }
      r.last_line_cut = last_open;
      continue;
    }
    if (format == InputFormat::kRaw) {
      if (auto too_large = simplify(o, w)) {
        out.rejected = RejectReason::kTooLarge;
        out.detail = *too_large;
        continue;
      }
    }
    out.rejected = screen(w.drawing, o.filter);
    if (out.rejected == RejectReason::kTruncated) {
      out.detail = "too small to be a drawing: " + std::to_string(w.drawing.points.size()) +
                   " points (min " + std::to_string(o.filter.min_points) + "), extent below " +
                   std::to_string(o.filter.min_extent);
    } else if (out.rejected == RejectReason::kTooLarge) {
      out.detail = std::to_string(w.drawing.points.size()) + " points in " +
                   std::to_string(w.drawing.stroke_count()) + " strokes (max " +
                   std::to_string(o.filter.max_points) + " and " +
                   std::to_string(o.filter.max_strokes) + "), not rendered";
    }
    if (!out.rejected && o.bitmaps) {
      rasterize(w.drawing, o.raster, r.images.data() + i * image_bytes);
    }
    if (!out.rejected && o.stroke3) {
      static_assert(sizeof(Point) == 2, "points are x, y bytes");
      append_stroke3(reinterpret_cast<const uint8_t*>(w.drawing.points.data()),
                     w.drawing.stroke_ends.data(), w.drawing.stroke_count(), r.stroke3);
    }
    if (o.stroke3) r.stroke3_ends[i] = static_cast<uint32_t>(r.stroke3.size() / 3);
  }
}

// The serial end of qd_prepare's graph: sees records in input order, so duplicates and the
// max_kept cut are decided the same way whatever the number of threads.
class OrderedWriter {
 public:
  OrderedWriter(ShardSetWriter& out, const GraphOptions& o, const GraphCallbacks& callbacks)
      : out_(out), options_(o), callbacks_(callbacks) {}

  // False once max_kept drawings are kept.
  bool write(const RenderedChunk& b) {
    const size_t image_bytes =
        static_cast<size_t>(options_.render.raster.side) * options_.render.raster.side;
    for (size_t i = 0; i < b.outcomes.size() && !full(); ++i) {
      const LineOutcome& r = b.outcomes[i];
      ++counts_.read;
      if (r.rejected) {
        counts_.rejected.add(*r.rejected);
        if (callbacks_.rejected && !r.detail.empty()) {
          RejectedRecord record{b.line_number(i), std::nullopt, r.key_id, *r.rejected, r.detail};
          if (i < b.offsets.size()) record.offset = b.offsets[i];
          callbacks_.rejected(record);
        }
        continue;
      }
      if (!seen_.insert(r.key_id).second) {
        counts_.rejected.add(RejectReason::kDuplicate);
        continue;
      }
      const Split split = split_of(r.key_id, options_.val_fraction);
      if (options_.render.bitmaps) out_.append(split, b.images.data() + i * image_bytes, r.key_id);
      if (options_.stroke3 != nullptr) {
        const uint32_t first = i == 0 ? 0 : b.stroke3_ends[i - 1];
        options_.stroke3->append(stroke3_split_of(r.key_id, options_.val_fraction),
                                 b.stroke3.data() + 3 * size_t{first}, b.stroke3_ends[i] - first);
      }
      ++counts_.kept;
      ++(split == Split::kTrain ? counts_.train : counts_.val);
    }
    last_line_cut_ |= b.last_line_cut;
    if (callbacks_.progress) callbacks_.progress(counts_, b.bytes_read);
    return !full();
  }

  bool full() const { return options_.max_kept != 0 && counts_.kept >= options_.max_kept; }
  const CategoryCounts& counts() const { return counts_; }
  bool last_line_cut() const { return last_line_cut_; }

 private:
  ShardSetWriter& out_;
  const GraphOptions& options_;
  const GraphCallbacks& callbacks_;
  CategoryCounts counts_;
  bool last_line_cut_ = false;
  std::unordered_set<uint64_t> seen_;
};

}  // namespace

namespace {

// The stream's first bytes: up to its first newline (the first ndjson record), at most `limit`.
std::string read_head(ByteSource& source, size_t limit) {
  std::string head;
  char buffer[4096];
  while (head.size() < limit && head.find('\n') == std::string::npos) {
    const size_t n = source.read(buffer, std::min(sizeof buffer, limit - head.size()));
    if (n == 0) break;
    head.append(buffer, n);
  }
  return head;
}

// The format to read `source` as: the one asked for, or the one its head shows (auto; a head
// that shows none, such as a file of zeros, goes by the name: .bin or .bin.gz is binary, anything
// else ndjson, and its records are then refused one by one). A head that shows another format than
// the one asked for is refused, naming both: parsing it as asked would only reject every record.
// (Simplified ndjson asked to be read as raw is read as raw.)
InputFormat choose_format(const ByteSource& source, InputFormat asked, std::string_view head) {
  const InputFormat seen = sniff_input_format(head);
  if (asked == InputFormat::kAuto) {
    if (seen != InputFormat::kAuto) return seen;
    const std::string& name = source.name();
    const auto ends_with = [&](std::string_view suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends_with(".bin") || ends_with(".bin.gz") ? InputFormat::kBinary : InputFormat::kNdjson;
  }
  const char* holds = nullptr;
  if (asked == InputFormat::kBinary && looks_like_json(head)) holds = "ndjson text";
  if (asked != InputFormat::kBinary && seen == InputFormat::kBinary) {
    holds = "Google's binary format";
  }
  if (asked == InputFormat::kNdjson && seen == InputFormat::kRaw) holds = "raw ndjson";
  if (holds != nullptr) {
    throw SourceError(source.name() + ": holds " + holds + ", but --input-format is " +
                      to_string(asked) + " (auto recognises what a source holds)");
  }
  return asked;
}

}  // namespace

bool render_in_order(ByteSource& source, const RenderOptions& options,
                     const std::function<bool(const RenderedChunk&)>& consume,
                     const std::atomic<bool>& stop, InputFormat* format_read) {
  std::string head = read_head(source, std::min<size_t>(options.max_line_bytes, size_t{1} << 20));
  const InputFormat format = choose_format(source, options.input_format, head);
  if (format_read != nullptr) *format_read = format;
  PrefixedSource input(source, std::move(head));
  std::unique_ptr<RecordChunker> chunker;
  if (format == InputFormat::kBinary) {
    // A binary record is about a quarter of its ndjson line: chunks of a quarter the bytes hold
    // as many drawings, so a category's work divides among the threads as finely.
    chunker =
        std::make_unique<BinaryChunker>(input, options.chunk_bytes / 4, options.max_line_bytes);
  } else {
    chunker = std::make_unique<LineChunker>(input, options.chunk_bytes, options.max_line_bytes);
  }
  tbb::enumerable_thread_specific<Worker> workers;
  std::atomic<bool> enough{false};  // the consumer wants no more
  bool interrupted = false;

  flow::graph g;
  flow::input_node<BatchPtr> read(g, [&](tbb::flow_control& control) -> BatchPtr {
    if (stop.load() || enough.load()) {
      interrupted = stop.load() && !enough.load();
      control.stop();
      return nullptr;
    }
    auto batch = std::make_shared<Batch>();
    if (!chunker->next(batch->chunk)) {
      control.stop();
      return nullptr;
    }
    batch->rendered.bytes_read = chunker->bytes_read();
    return batch;
  });
  flow::limiter_node<BatchPtr> limit(g, options.max_chunks_in_flight);
  flow::function_node<BatchPtr, BatchPtr> work(g, flow::unlimited, [&](BatchPtr b) {
    process(*b, options, format, workers.local());
    return b;
  });
  flow::sequencer_node<BatchPtr> order(g, [](const BatchPtr& b) { return b->chunk.sequence; });
  flow::function_node<BatchPtr, flow::continue_msg> write(g, flow::serial, [&](const BatchPtr& b) {
    if (!enough && !consume(b->rendered)) enough = true;
    return flow::continue_msg();
  });
  flow::make_edge(read, limit);
  flow::make_edge(limit, work);
  flow::make_edge(work, order);
  flow::make_edge(order, write);
  flow::make_edge(write, limit.decrementer());
  read.activate();
  g.wait_for_all();  // rethrows what a node threw (an unreadable or corrupt source, a full disk)
  return interrupted;
}

GraphResult run_prepare_graph(ByteSource& source, ShardSetWriter& out, const GraphOptions& options,
                              const GraphCallbacks& callbacks, const std::atomic<bool>& stop) {
  GraphOptions o = options;
  o.render.stroke3 = options.stroke3 != nullptr;
  OrderedWriter writer(out, o, callbacks);
  GraphResult result;
  result.interrupted = render_in_order(
      source, o.render, [&](const RenderedChunk& b) { return writer.write(b); }, stop,
      &result.format);
  result.counts = writer.counts();
  result.last_line_cut = writer.last_line_cut();
  result.source_truncated = source.truncated();
  return result;
}

}  // namespace qd
