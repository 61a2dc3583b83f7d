// Rasterizer throughput on real drawings: qd::rasterize on 1 thread and on all threads, beside
// Google's method written directly against Cairo (ARGB32 surface, paint, stroke, take byte 0),
// measured in the same run.
//
//   bench_rasterizer [DIR] [--seconds S] [--threads N]
// DIR defaults to ../shared/quickdraw/simplified beside the source tree.

#include <cairo.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "qd/pipeline/drawing_parser.h"
#include "qd/rasterizer/rasterizer.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<qd::Drawing> load_drawings(const fs::path& dir) {
  std::vector<qd::Drawing> drawings;
  qd::DrawingParser parser;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string line;
    qd::Drawing d;
    while (std::getline(in, line)) {
      if (!parser.parse_unpadded(line, d)) drawings.push_back(d);
    }
  }
  return drawings;
}

// Google's vector_to_raster, as the baseline: one ARGB32 surface, cleared by painting black.
class ReferenceRenderer {
 public:
  ReferenceRenderer() {
    surface_ = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 28, 28);
    cr_ = cairo_create(surface_);
    cairo_set_antialias(cr_, CAIRO_ANTIALIAS_BEST);
    cairo_set_line_cap(cr_, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_width(cr_, 16);
    const double scale = 28.0 / (256 + 48);
    cairo_scale(cr_, scale, scale);
    cairo_translate(cr_, 24, 24);
  }
  ~ReferenceRenderer() {
    cairo_destroy(cr_);
    cairo_surface_destroy(surface_);
  }
  ReferenceRenderer(const ReferenceRenderer&) = delete;
  ReferenceRenderer& operator=(const ReferenceRenderer&) = delete;

  void render(const qd::Drawing& d, uint8_t* out) {
    cairo_set_source_rgb(cr_, 0, 0, 0);
    cairo_paint(cr_);
    int max_x = 0;
    int max_y = 0;
    for (const auto& p : d.points) {
      max_x = std::max<int>(max_x, p.x);
      max_y = std::max<int>(max_y, p.y);
    }
    const double ox = (256.0 - max_x) / 2;
    const double oy = (256.0 - max_y) / 2;
    cairo_set_source_rgb(cr_, 1, 1, 1);
    for (size_t s = 0; s < d.stroke_count(); ++s) {
      const uint32_t b = d.stroke_begin(s);
      cairo_move_to(cr_, d.points[b].x + ox, d.points[b].y + oy);
      for (uint32_t i = b; i < d.stroke_ends[s]; ++i)
        cairo_line_to(cr_, d.points[i].x + ox, d.points[i].y + oy);
      cairo_stroke(cr_);
    }
    cairo_surface_flush(surface_);
    const uint8_t* data = cairo_image_surface_get_data(surface_);
    const int stride = cairo_image_surface_get_stride(surface_);
    for (int y = 0; y < 28; ++y) {
      for (int x = 0; x < 28; ++x) out[y * 28 + x] = data[y * stride + x * 4];
    }
  }

 private:
  cairo_surface_t* surface_;
  cairo_t* cr_;
};

// Renders drawings round-robin on `threads` threads for about `seconds`; returns drawings/s.
template <typename RenderFactory>
double measure(const std::vector<qd::Drawing>& drawings, int threads, double seconds,
               RenderFactory make_renderer) {
  std::atomic<bool> stop{false};
  std::vector<uint64_t> counts(threads, 0);
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto render = make_renderer();
      uint8_t image[28 * 28];
      size_t i = static_cast<size_t>(t) * drawings.size() / threads;
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int k = 0; k < 64; ++k) {
          render(drawings[i], image);
          if (++i == drawings.size()) i = 0;
        }
        n += 64;
      }
      counts[t] = n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t total = 0;
  for (auto c : counts) total += c;
  return static_cast<double>(total) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::path(QD_SOURCE_DIR) / ".." / "shared" / "quickdraw" / "simplified";
  double seconds = 3.0;
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::stod(argv[++i]);
    } else if (arg == "--threads" && i + 1 < argc) {
      threads = std::stoi(argv[++i]);
    } else if (arg == "-h" || arg == "--help") {
      std::puts("usage: bench_rasterizer [DIR] [--seconds S] [--threads N]");
      return 0;
    } else {
      dir = arg;
    }
  }
  if (!fs::is_directory(dir)) {
    std::fprintf(stderr, "bench_rasterizer: %s is not a directory of simplified ndjson files\n",
                 dir.c_str());
    return 2;
  }
  const auto drawings = load_drawings(dir);
  if (drawings.empty()) {
    std::fprintf(stderr, "bench_rasterizer: no drawings in %s\n", dir.c_str());
    return 1;
  }
  // The two renderers must agree before their speeds mean anything.
  {
    ReferenceRenderer reference;
    uint8_t a[784];
    uint8_t b[784];
    for (const auto& d : drawings) {
      reference.render(d, a);
      qd::rasterize(d, {}, b);
      if (std::memcmp(a, b, sizeof a) != 0) {
        std::fprintf(stderr, "bench_rasterizer: renderers disagree on key_id %llu\n",
                     static_cast<unsigned long long>(d.key_id));
        return 1;
      }
    }
  }
  const auto qd_renderer = [] {
    return [](const qd::Drawing& d, uint8_t* out) { qd::rasterize(d, {}, out); };
  };
  const auto reference_renderer = [] {
    auto r = std::make_shared<ReferenceRenderer>();
    return [r](const qd::Drawing& d, uint8_t* out) { r->render(d, out); };
  };
  std::printf("%zu drawings from %s, %.1f s per measurement\n", drawings.size(), dir.c_str(),
              seconds);
  const double reference1 = measure(drawings, 1, seconds, reference_renderer);
  const double qd1 = measure(drawings, 1, seconds, qd_renderer);
  const double qdn = measure(drawings, threads, seconds, qd_renderer);
  std::printf("%-44s %12s %8s\n", "renderer", "drawings/s", "ratio");
  std::printf("%-44s %12.0f %8.2f\n", "Google's method on Cairo ARGB32, 1 thread", reference1, 1.0);
  std::printf("%-44s %12.0f %8.2f\n", "qd::rasterize, 1 thread", qd1, qd1 / reference1);
  char label[64];
  std::snprintf(label, sizeof label, "qd::rasterize, %d threads", threads);
  std::printf("%-44s %12.0f %8.2f\n", label, qdn, qdn / reference1);
  std::printf("scaling with %d threads: %.2fx\n", threads, qdn / qd1);
  return 0;
}
