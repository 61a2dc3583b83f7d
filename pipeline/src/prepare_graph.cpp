#include "qd/pipeline/prepare_graph.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/flow_graph.h>

#include <exception>
#include <memory>
#include <optional>
#include <unordered_set>
#include <vector>

#include "qd/pipeline/drawing_parser.h"
#include "qd/pipeline/line_chunker.h"

namespace qd {
namespace {

namespace flow = tbb::flow;

struct LineOutcome {
  uint64_t key_id = 0;
  std::optional<RejectReason> rejected;
  std::string detail;  // for malformed and truncated records only
};

// One chunk of lines on its way through the graph, with what became of each line.
struct Batch {
  LineChunk chunk;
  std::vector<uint8_t> images;  // image i belongs to line i (unused for rejected lines)
  std::vector<LineOutcome> outcomes;
  uint64_t bytes_read = 0;  // decoded bytes read from the source up to the end of this chunk
};
using BatchPtr = std::shared_ptr<Batch>;

struct Worker {
  DrawingParser parser;
  Drawing drawing;
};

void process(Batch& b, const GraphOptions& o, Worker& w) {
  const size_t n = b.chunk.lines.size();
  const size_t image_bytes = static_cast<size_t>(o.raster.side) * o.raster.side;
  b.images.resize(n * image_bytes);
  b.outcomes.assign(n, {});
  for (size_t i = 0; i < n; ++i) {
    LineOutcome& out = b.outcomes[i];
    const auto error = w.parser.parse(b.chunk.line(i), w.drawing);
    out.key_id = w.drawing.key_id;
    if (error) {
      // A last line without its newline that does not parse is a record cut off, not a bad one.
      const bool cut = b.chunk.last_line_unterminated && i + 1 == n;
      out.rejected = cut ? RejectReason::kTruncated : RejectReason::kMalformed;
      out.detail = std::string(to_string(error->kind)) + ": " + error->message;
      if (cut) out.detail = "last line has no newline: " + out.detail;
      continue;
    }
    out.rejected = screen(w.drawing, o.filter);
    if (out.rejected == RejectReason::kTruncated) {
      out.detail = "too small to be a drawing: " + std::to_string(w.drawing.points.size()) +
                   " points (min " + std::to_string(o.filter.min_points) + "), extent below " +
                   std::to_string(o.filter.min_extent);
    }
    if (!out.rejected) rasterize(w.drawing, o.raster, b.images.data() + i * image_bytes);
  }
}

// The serial end of the graph: sees records in input order, so duplicates and the max_kept cut
// are decided the same way whatever the number of threads.
class OrderedWriter {
 public:
  OrderedWriter(ShardSetWriter& out, const GraphOptions& o, const GraphCallbacks& callbacks)
      : out_(out), options_(o), callbacks_(callbacks) {}

  void write(const Batch& b) {
    if (full()) return;
    const size_t image_bytes = static_cast<size_t>(options_.raster.side) * options_.raster.side;
    for (size_t i = 0; i < b.outcomes.size() && !full(); ++i) {
      const LineOutcome& r = b.outcomes[i];
      ++counts_.read;
      if (r.rejected) {
        counts_.rejected.add(*r.rejected);
        if (callbacks_.rejected &&
            (*r.rejected == RejectReason::kMalformed || *r.rejected == RejectReason::kTruncated)) {
          callbacks_.rejected({b.chunk.line_number(i), r.key_id, *r.rejected, r.detail});
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
    if (callbacks_.progress) callbacks_.progress(counts_, b.bytes_read);
  }

  bool full() const { return options_.max_kept != 0 && counts_.kept >= options_.max_kept; }
  const CategoryCounts& counts() const { return counts_; }

 private:
  ShardSetWriter& out_;
  const GraphOptions& options_;
  const GraphCallbacks& callbacks_;
  CategoryCounts counts_;
  std::unordered_set<uint64_t> seen_;
};

}  // namespace

GraphResult run_prepare_graph(ByteSource& source, ShardSetWriter& out, const GraphOptions& options,
                              const GraphCallbacks& callbacks, const std::atomic<bool>& stop) {
  LineChunker chunker(source, options.chunk_bytes);
  OrderedWriter writer(out, options, callbacks);
  tbb::enumerable_thread_specific<Worker> workers;
  std::atomic<bool> enough{false};  // the writer has kept max_kept drawings
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
    batch->bytes_read = chunker.bytes_read();
    return batch;
  });
  flow::limiter_node<BatchPtr> limit(g, options.max_chunks_in_flight);
  flow::function_node<BatchPtr, BatchPtr> work(g, flow::unlimited, [&](BatchPtr b) {
    process(*b, options, workers.local());
    return b;
  });
  flow::sequencer_node<BatchPtr> order(g, [](const BatchPtr& b) { return b->chunk.sequence; });
  flow::function_node<BatchPtr, flow::continue_msg> write(g, flow::serial, [&](const BatchPtr& b) {
    writer.write(*b);
    if (writer.full()) enough = true;
    return flow::continue_msg();
  });
  flow::make_edge(read, limit);
  flow::make_edge(limit, work);
  flow::make_edge(work, order);
  flow::make_edge(order, write);
  flow::make_edge(write, limit.decrementer());
  read.activate();
  g.wait_for_all();  // rethrows what a node threw (an unreadable or corrupt source, a full disk)

  GraphResult result;
  result.counts = writer.counts();
  result.source_truncated = source.truncated();
  result.interrupted = interrupted;
  return result;
}

}  // namespace qd
