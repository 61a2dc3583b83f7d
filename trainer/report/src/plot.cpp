#include "plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace qd::train::plot {

namespace {

std::string tick_label(double v, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

// A centred moving average over `window` values, so the trend shows through GAN losses' noise.
// Non-finite values (a diverged step) are left out of every average.
std::vector<double> smoothed(const std::vector<double>& v, size_t window) {
  std::vector<double> sum(v.size() + 1, 0);
  std::vector<size_t> count(v.size() + 1, 0);
  for (size_t i = 0; i < v.size(); ++i) {
    const bool finite = std::isfinite(v[i]);
    sum[i + 1] = sum[i] + (finite ? v[i] : 0);
    count[i + 1] = count[i] + (finite ? 1 : 0);
  }
  std::vector<double> out(v.size(), std::numeric_limits<double>::quiet_NaN());
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t lo = i >= window / 2 ? i - window / 2 : 0;
    const size_t hi = std::min(v.size(), i + window / 2 + 1);
    if (count[hi] > count[lo]) out[i] = (sum[hi] - sum[lo]) / double(count[hi] - count[lo]);
  }
  return out;
}

// At most one point per pixel column: the mean of the values falling in it.
std::vector<Point> downsample(const std::vector<double>& xs, const std::vector<double>& ys,
                              Range span, int columns) {
  std::vector<double> sum_x(columns, 0), sum_y(columns, 0);
  std::vector<int> n(columns, 0);
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!std::isfinite(ys[i])) continue;
    const double t = (xs[i] - span.lo) / (span.hi - span.lo);
    const int c = std::clamp(static_cast<int>(t * columns), 0, columns - 1);
    sum_x[c] += xs[i];
    sum_y[c] += ys[i];
    ++n[c];
  }
  std::vector<Point> points;
  for (int c = 0; c < columns; ++c) {
    if (n[c] > 0) points.push_back({sum_x[c] / n[c], sum_y[c] / n[c]});
  }
  return points;
}

double map(double v, Range r, double a, double b) {
  return a + (v - r.lo) / (r.hi - r.lo) * (b - a);
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::vector<double> nice_ticks(Range r, int target, double min_step) {
  const double raw = std::max((r.hi - r.lo) / target, min_step);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(r.lo / step - 1e-9) * step; t <= r.hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

Range x_range(const std::vector<double>& xs) {
  if (xs.empty()) return {0, 1};
  const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  if (*lo == *hi) return {*lo - 1, *hi + 1};  // one point: a visible span
  return {*lo, *hi};
}

Curves curves_of(const std::vector<double>& xs, const std::vector<double>& ys, Range x_span,
                 int columns, bool smooth) {
  Curves c;
  c.raw = downsample(xs, ys, x_span, columns);
  if (smooth && ys.size() > 50) {
    c.trend = downsample(xs, smoothed(ys, ys.size() / 40), x_span, columns);
  }
  return c;
}

Canvas::Canvas(int width, int height)
    : surface_(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height),
               cairo_surface_destroy),
      cr_(cairo_create(surface_.get())) {
  cairo_set_source_rgb(cr_, 1, 1, 1);
  cairo_paint(cr_);
}

Canvas::~Canvas() {
  cairo_destroy(cr_);
}

std::string Canvas::png(const std::string& what) const {
  const cairo_status_t status = cairo_status(cr_);
  std::string png;
  if (status != CAIRO_STATUS_SUCCESS ||
      cairo_surface_write_to_png_stream(surface_.get(), append_to_string, &png) !=
          CAIRO_STATUS_SUCCESS) {
    throw std::runtime_error(what + ": cannot draw: " + cairo_status_to_string(status));
  }
  return png;
}

Plotter::Plotter(cairo_t* cr) : cr_(cr) {
  cairo_select_font_face(cr_, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
}

void Plotter::text(const std::string& s, double x, double y, double align, double size, bool bold) {
  cairo_select_font_face(cr_, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr_, size);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, s.c_str(), &e);
  cairo_move_to(cr_, x - align * e.x_advance, y - e.y_bearing - e.height / 2);
  cairo_set_source_rgb(cr_, 0.1, 0.1, 0.1);
  cairo_show_text(cr_, s.c_str());
}

void Plotter::panel(const Rect& box, Range xs, Range ys, const std::vector<double>& xticks,
                    const std::vector<double>& yticks, bool x_labels, const std::string& y_title) {
  const double x_step = xticks.size() > 1 ? xticks[1] - xticks[0] : 1;
  const double y_step = yticks.size() > 1 ? yticks[1] - yticks[0] : 1;
  cairo_set_line_width(cr_, 1);
  for (const double t : xticks) {
    const double x = std::round(map(t, xs, box.x0, box.x1)) + 0.5;
    grid_line(x, box.y0, x, box.y1);
    if (x_labels) text(tick_label(t, x_step), x, box.y1 + 12, 0.5, 11);
  }
  for (const double t : yticks) {
    const double y = std::round(map(t, ys, box.y1, box.y0)) + 0.5;
    grid_line(box.x0, y, box.x1, y);
    text(tick_label(t, y_step), box.x0 - 6, y, 1, 11);
  }
  cairo_set_source_rgb(cr_, 0.2, 0.2, 0.2);
  cairo_rectangle(cr_, box.x0 + 0.5, box.y0 + 0.5, box.x1 - box.x0, box.y1 - box.y0);
  cairo_stroke(cr_);
  // The y axis title, rotated, left of the tick labels.
  cairo_save(cr_);
  cairo_translate(cr_, 16, (box.y0 + box.y1) / 2);
  cairo_rotate(cr_, -M_PI / 2);
  text(y_title, 0, 0, 0.5, 12);
  cairo_restore(cr_);
}

void Plotter::curve(const Rect& box, Range xs, Range ys, const Curves& curves, Color c,
                    bool dashed) {
  cairo_save(cr_);
  cairo_rectangle(cr_, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
  cairo_clip(cr_);
  cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
  const double dashes[] = {6, 4};
  if (dashed) cairo_set_dash(cr_, dashes, 2, 0);
  const bool faint = !curves.trend.empty();
  cairo_set_source_rgba(cr_, c.r, c.g, c.b, faint ? 0.25 : 1.0);
  polyline(box, xs, ys, curves.raw, faint ? 1.0 : 1.6);
  cairo_set_dash(cr_, nullptr, 0, 0);
  if (curves.raw.size() <= 40) {  // few points: mark them, so that even one row shows
    for (const Point& p : curves.raw) {
      cairo_arc(cr_, map(p.x, xs, box.x0, box.x1), map(p.y, ys, box.y1, box.y0), 3, 0, 2 * M_PI);
      cairo_fill(cr_);
    }
  }
  cairo_set_source_rgb(cr_, c.r, c.g, c.b);
  polyline(box, xs, ys, curves.trend, 2.2);
  cairo_restore(cr_);
}

void Plotter::level(const Rect& box, Range ys, double y) {
  const double at = map(y, ys, box.y1, box.y0);
  if (at < box.y0 || at > box.y1) return;
  cairo_save(cr_);
  cairo_set_source_rgb(cr_, 0.55, 0.55, 0.55);
  cairo_set_line_width(cr_, 1);
  const double dashes[] = {4, 4};
  cairo_set_dash(cr_, dashes, 2, 0);
  cairo_move_to(cr_, box.x0, at);
  cairo_line_to(cr_, box.x1, at);
  cairo_stroke(cr_);
  cairo_restore(cr_);
}

void Plotter::mark(const Rect& box, Range xs, Range ys, Point p, Color c) {
  cairo_save(cr_);
  cairo_set_source_rgb(cr_, c.r, c.g, c.b);
  cairo_set_line_width(cr_, 2);
  cairo_new_sub_path(cr_);
  cairo_arc(cr_, map(p.x, xs, box.x0, box.x1), map(p.y, ys, box.y1, box.y0), 7, 0, 2 * M_PI);
  cairo_stroke(cr_);
  cairo_restore(cr_);
}

void Plotter::legend(const Rect& box, const std::vector<LegendEntry>& entries) {
  const double y = box.y0 - 10;
  double x = box.x1;
  cairo_set_font_size(cr_, 11);
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    cairo_text_extents_t e;
    cairo_text_extents(cr_, it->name.c_str(), &e);
    x -= e.x_advance;
    text(it->name, x, y, 0, 11);
    cairo_set_source_rgb(cr_, it->color.r, it->color.g, it->color.b);
    cairo_set_line_width(cr_, 2.5);
    const double dashes[] = {5, 3};
    if (it->dashed) cairo_set_dash(cr_, dashes, 2, 0);
    cairo_move_to(cr_, x - 28, y);
    cairo_line_to(cr_, x - 6, y);
    cairo_stroke(cr_);
    cairo_set_dash(cr_, nullptr, 0, 0);
    x -= 28 + 18;
  }
}

void Plotter::polyline(const Rect& box, Range xs, Range ys, const std::vector<Point>& points,
                       double width) {
  if (points.empty()) return;
  cairo_set_line_width(cr_, width);
  for (const Point& p : points) {
    cairo_line_to(cr_, map(p.x, xs, box.x0, box.x1), map(p.y, ys, box.y1, box.y0));
  }
  cairo_stroke(cr_);
}

void Plotter::grid_line(double x0, double y0, double x1, double y1) {
  cairo_set_source_rgb(cr_, 0.88, 0.88, 0.88);
  cairo_move_to(cr_, x0, y0);
  cairo_line_to(cr_, x1, y1);
  cairo_stroke(cr_);
}

}  // namespace qd::train::plot
