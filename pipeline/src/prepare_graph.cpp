#include "qd/pipeline/prepare_graph.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/flow_graph.h>

#include <memory>
#include <unordered_set>

#include "line_chunker.h"
#include "qd/pipeline/drawing_parser.h"

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
};

void process(Batch& b, const RenderOptions& o, Worker& w) {
  const size_t n = b.chunk.lines.size();
  const size_t image_bytes = static_cast<size_t>(o.raster.side) * o.raster.side;
  RenderedChunk& r = b.rendered;
  r.first_line = b.chunk.first_line;
  r.images.resize(n * image_bytes);
  r.outcomes.assign(n, {});
  for (size_t i = 0; i < n; ++i) {
    LineOutcome& out = r.outcomes[i];
    // The chunker skips unread a line it finds too long before its newline; a shorter one that
    // arrived in the same read as other lines is caught here, so the limit is exact.
    const bool skipped = i < b.chunk.too_long.size();
    const uint64_t line_bytes = skipped ? b.chunk.too_long[i] : b.chunk.line(i).size();
    if (skipped || line_bytes > o.max_line_bytes) {
      out.rejected = RejectReason::kTooLarge;
      out.detail = "a line of " + std::to_string(line_bytes) + " bytes (max " +
                   std::to_string(o.max_line_bytes) + ")" + (skipped ? ", skipped unread" : "");
      continue;
    }
    const auto error = w.parser.parse(b.chunk.line(i), w.drawing);
    out.key_id = w.drawing.key_id;
    if (error) {
      // A last line without its newline that does not parse is a record cut off, not a bad one.
      const bool cut = b.chunk.last_line_unterminated && i + 1 == n;
      out.rejected = cut ? RejectReason::kTruncated : RejectReason::kMalformed;
      out.detail = std::string(to_string(error->kind)) + ": " + error->message;
      if (cut) out.detail = "last line has no newline: " + out.detail;
      r.last_line_cut = cut;
      continue;
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
    if (!out.rejected) rasterize(w.drawing, o.raster, r.images.data() + i * image_bytes);
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
          callbacks_.rejected({b.line_number(i), r.key_id, *r.rejected, r.detail});
        }
        continue;
      }
      if (!seen_.insert(r.key_id).second) {
        counts_.rejected.add(RejectReason::kDuplicate);
        continue;
      }
      const Split split = split_of(r.key_id, options_.val_fraction);
      out_.append(split, b.images.data() + i * image_bytes, r.key_id);
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

bool render_in_order(ByteSource& source, const RenderOptions& options,
                     const std::function<bool(const RenderedChunk&)>& consume,
                     const std::atomic<bool>& stop) {
  LineChunker chunker(source, options.chunk_bytes, options.max_line_bytes);
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
    if (!chunker.next(batch->chunk)) {
      control.stop();
      return nullptr;
    }
    batch->rendered.bytes_read = chunker.bytes_read();
    return batch;
  });
  flow::limiter_node<BatchPtr> limit(g, options.max_chunks_in_flight);
  flow::function_node<BatchPtr, BatchPtr> work(g, flow::unlimited, [&](BatchPtr b) {
    process(*b, options, workers.local());
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
  OrderedWriter writer(out, options, callbacks);
  GraphResult result;
  result.interrupted = render_in_order(
      source, options.render, [&](const RenderedChunk& b) { return writer.write(b); }, stop);
  result.counts = writer.counts();
  result.last_line_cut = writer.last_line_cut();
  result.source_truncated = source.truncated();
  return result;
}

}  // namespace qd
