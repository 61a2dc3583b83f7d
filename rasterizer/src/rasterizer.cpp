#include "qd/rasterizer/rasterizer.h"

#include <cairo.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace qd {
namespace {

constexpr double kOriginalSide = 256.0;

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

// One A8 surface and context per thread and option set. Google rendered on ARGB32 and kept
// byte 0; on A8 Cairo produces the same coverage bytes with a quarter of the memory traffic.
class Canvas {
 public:
  explicit Canvas(const RasterOptions& o) : options_(o) {
    surface_.reset(cairo_image_surface_create(CAIRO_FORMAT_A8, o.side, o.side));
    if (cairo_surface_status(surface_.get()) != CAIRO_STATUS_SUCCESS) {
      throw std::runtime_error("cairo: cannot create a " + std::to_string(o.side) + "px surface");
    }
    context_.reset(cairo_create(surface_.get()));
    cairo_t* cr = context_.get();
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_BEST);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_width(cr, o.line_width);
    // The same transform, built by the same calls, as Google's vector_to_raster: any other
    // composition of the matrix rounds differently and changes edge pixels.
    const double total_padding = o.padding * 2.0 + o.line_width;
    const double scale = static_cast<double>(o.side) / (kOriginalSide + total_padding);
    cairo_scale(cr, scale, scale);
    cairo_translate(cr, total_padding / 2.0, total_padding / 2.0);
    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    stride_ = cairo_image_surface_get_stride(surface_.get());
  }

  bool matches(const RasterOptions& o) const {
    return o.side == options_.side && o.line_width == options_.line_width &&
           o.padding == options_.padding;
  }

  void render(const Drawing& d, uint8_t* out) {
    cairo_surface_flush(surface_.get());
    uint8_t* pixels = cairo_image_surface_get_data(surface_.get());
    std::memset(pixels, 0, static_cast<size_t>(stride_) * options_.side);
    cairo_surface_mark_dirty(surface_.get());

    if (!d.points.empty()) draw_strokes(d);

    cairo_surface_flush(surface_.get());
    const auto side = static_cast<size_t>(options_.side);
    for (size_t row = 0; row < side; ++row) {
      std::memcpy(out + row * side, pixels + row * static_cast<size_t>(stride_), side);
    }
  }

 private:
  void draw_strokes(const Drawing& d) {
    uint8_t max_x = 0;
    uint8_t max_y = 0;
    for (const Point& p : d.points) {
      max_x = std::max(max_x, p.x);
      max_y = std::max(max_y, p.y);
    }
    // Centred on the bounding box by its maximum only, as Google did (the minimum is ignored).
    const double offset_x = (kOriginalSide - max_x) / 2.0;
    const double offset_y = (kOriginalSide - max_y) / 2.0;
    cairo_t* cr = context_.get();
    for (size_t s = 0; s < d.stroke_count(); ++s) {
      const uint32_t begin = d.stroke_begin(s);
      const uint32_t end = d.stroke_ends[s];
      if (begin == end) continue;
      cairo_move_to(cr, d.points[begin].x + offset_x, d.points[begin].y + offset_y);
      // line_to the first point again, as Google did: a one-point stroke becomes a round dot.
      for (uint32_t i = begin; i < end; ++i) {
        cairo_line_to(cr, d.points[i].x + offset_x, d.points[i].y + offset_y);
      }
      cairo_stroke(cr);
    }
  }

  RasterOptions options_;
  std::unique_ptr<cairo_surface_t, SurfaceDeleter> surface_;
  std::unique_ptr<cairo_t, ContextDeleter> context_;
  int stride_ = 0;
};

void validate(const RasterOptions& o) {
  if (o.side < 1 || o.side > 4096) {
    throw std::invalid_argument("raster side must be 1..4096, got " + std::to_string(o.side));
  }
  if (!(o.line_width >= 0.0) || !(o.padding >= 0.0)) {
    throw std::invalid_argument("raster line width and padding must be >= 0");
  }
}

}  // namespace

void rasterize(const Drawing& drawing, const RasterOptions& options, uint8_t* out) {
  thread_local std::unique_ptr<Canvas> canvas;
  if (!canvas || !canvas->matches(options)) {
    validate(options);
    canvas = std::make_unique<Canvas>(options);
  }
  canvas->render(drawing, out);
}

std::vector<uint8_t> rasterize(const Drawing& drawing, const RasterOptions& options) {
  validate(options);
  std::vector<uint8_t> image(static_cast<size_t>(options.side) * options.side);
  rasterize(drawing, options, image.data());
  return image;
}

}  // namespace qd
