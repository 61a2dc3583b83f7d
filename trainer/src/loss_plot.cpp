#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>

#include "qd/store/atomic_file.h"
#include "qd/trainer/reports.h"

namespace qd::train {
namespace {

constexpr int kWidth = 800;
constexpr int kHeight = 500;
constexpr double kLeft = 70, kRight = kWidth - 20;  // the panels' horizontal extent

struct Rect {
  double x0, y0, x1, y1;
};
struct Range {
  double lo, hi;
};
struct Point {
  double x, y;
};
struct Color {
  double r, g, b;
};

struct Series {
  const char* name;
  Color color;
  std::function<double(const MetricsRow&)> value;
};

// Ticks at 1, 2 or 5 times a power of ten, about `target` of them across the range, at least
// `min_step` apart (1 for steps, which are whole numbers).
std::vector<double> nice_ticks(Range r, int target, double min_step = 0) {
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

std::string tick_label(double v, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

// The series' values, one per row.
std::vector<double> values_of(const std::vector<MetricsRow>& rows, const Series& s) {
  std::vector<double> v;
  v.reserve(rows.size());
  for (const MetricsRow& r : rows) v.push_back(s.value(r));
  return v;
}

// A centred moving average over `window` rows, so the trend shows through GAN losses' noise.
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

// At most one point per pixel column: the mean of the rows falling in it. Non-finite values
// are left out rather than breaking the curve's scale.
std::vector<Point> downsample(const std::vector<MetricsRow>& rows, const std::vector<double>& v,
                              Range steps, int columns) {
  std::vector<double> sum_x(columns, 0), sum_y(columns, 0);
  std::vector<int> n(columns, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(v[i])) continue;
    const auto step = static_cast<double>(rows[i].step);
    const double t = (step - steps.lo) / (steps.hi - steps.lo);
    const int c = std::clamp(static_cast<int>(t * columns), 0, columns - 1);
    sum_x[c] += step;
    sum_y[c] += v[i];
    ++n[c];
  }
  std::vector<Point> points;
  for (int c = 0; c < columns; ++c) {
    if (n[c] > 0) points.push_back({sum_x[c] / n[c], sum_y[c] / n[c]});
  }
  return points;
}

// What one series draws: its raw (per-column) curve, and a smoothed one when there are many rows.
struct Curves {
  std::vector<Point> raw, trend;
};

Curves curves_of(const std::vector<MetricsRow>& rows, const Series& s, Range steps, int columns) {
  const std::vector<double> v = values_of(rows, s);
  Curves c;
  c.raw = downsample(rows, v, steps, columns);
  if (rows.size() > 50) c.trend = downsample(rows, smoothed(v, rows.size() / 40), steps, columns);
  return c;
}

class Plotter {
 public:
  explicit Plotter(cairo_t* cr) : cr_(cr) {
    cairo_select_font_face(cr_, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  }

  // Text anchored at (x, y): align 0 left, 0.5 centred, 1 right; vertically centred on y.
  void text(const std::string& s, double x, double y, double align, double size,
            bool bold = false) {
    cairo_select_font_face(cr_, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr_, s.c_str(), &e);
    cairo_move_to(cr_, x - align * e.x_advance, y - e.y_bearing - e.height / 2);
    cairo_set_source_rgb(cr_, 0.1, 0.1, 0.1);
    cairo_show_text(cr_, s.c_str());
  }

  void panel(const Rect& box, Range xs, Range ys, const std::vector<double>& xticks,
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

  // The raw curve alone when it is all there is; faint under its trend when there is one.
  void curve(const Rect& box, Range xs, Range ys, const Curves& curves, Color c) {
    cairo_save(cr_);
    cairo_rectangle(cr_, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0);
    cairo_clip(cr_);
    cairo_set_line_join(cr_, CAIRO_LINE_JOIN_ROUND);
    const bool faint = !curves.trend.empty();
    cairo_set_source_rgba(cr_, c.r, c.g, c.b, faint ? 0.25 : 1.0);
    polyline(box, xs, ys, curves.raw, faint ? 1.0 : 1.6);
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

  // A row of entries just above the panel's top right corner, clear of the curves.
  void legend(const Rect& box, const std::vector<Series>& series) {
    const double y = box.y0 - 10;
    double x = box.x1;
    cairo_set_font_size(cr_, 11);
    for (auto it = series.rbegin(); it != series.rend(); ++it) {
      cairo_text_extents_t e;
      cairo_text_extents(cr_, it->name, &e);
      x -= e.x_advance;
      text(it->name, x, y, 0, 11);
      cairo_set_source_rgb(cr_, it->color.r, it->color.g, it->color.b);
      cairo_set_line_width(cr_, 2.5);
      cairo_move_to(cr_, x - 28, y);
      cairo_line_to(cr_, x - 6, y);
      cairo_stroke(cr_);
      x -= 28 + 18;
    }
  }

 private:
  static double map(double v, Range r, double a, double b) {
    return a + (v - r.lo) / (r.hi - r.lo) * (b - a);
  }
  void polyline(const Rect& box, Range xs, Range ys, const std::vector<Point>& points,
                double width) {
    if (points.empty()) return;
    cairo_set_line_width(cr_, width);
    for (const Point& p : points) {
      cairo_line_to(cr_, map(p.x, xs, box.x0, box.x1), map(p.y, ys, box.y1, box.y0));
    }
    cairo_stroke(cr_);
  }
  void grid_line(double x0, double y0, double x1, double y1) {
    cairo_set_source_rgb(cr_, 0.88, 0.88, 0.88);
    cairo_move_to(cr_, x0, y0);
    cairo_line_to(cr_, x1, y1);
    cairo_stroke(cr_);
  }

  cairo_t* cr_;
};

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

void write_loss_plot(const std::string& path, const std::vector<MetricsRow>& rows) {
  const std::vector<Series> losses = {
      {"D loss", {0.85, 0.33, 0.10}, [](const MetricsRow& r) { return r.loss_d; }},
      {"G loss", {0.00, 0.45, 0.74}, [](const MetricsRow& r) { return r.loss_g; }}};
  const std::vector<Series> outputs = {
      {"D(x)", {0.47, 0.67, 0.19}, [](const MetricsRow& r) { return r.d_real; }},
      {"D(G(z))", {0.49, 0.18, 0.56}, [](const MetricsRow& r) { return r.d_fake; }}};
  const Rect top{kLeft, 58, kRight, 250};
  const Rect bottom{kLeft, 284, kRight, 440};
  const int columns = static_cast<int>(kRight - kLeft);

  Range steps{0, 1};
  if (!rows.empty()) {
    const auto [lo, hi] = std::minmax_element(
        rows.begin(), rows.end(),
        [](const MetricsRow& a, const MetricsRow& b) { return a.step < b.step; });
    steps = {static_cast<double>(lo->step), static_cast<double>(hi->step)};
    if (steps.hi == steps.lo) steps = {steps.lo - 1, steps.hi + 1};  // one row: a visible span
  }
  std::vector<Curves> loss_curves, output_curves;
  std::vector<double> loss_values;
  for (const Series& s : losses) {
    loss_curves.push_back(curves_of(rows, s, steps, columns));
    for (const Point& p : loss_curves.back().raw) loss_values.push_back(p.y);
  }
  // The scale leaves out the top 1% of the points: a few early spikes may go off the top rather
  // than flatten everything else.
  double loss_max = 0;
  if (!loss_values.empty()) {
    const auto at = loss_values.begin() + static_cast<ptrdiff_t>(loss_values.size() * 99 / 100);
    std::nth_element(loss_values.begin(), at, loss_values.end());
    loss_max = *at * 1.05;
  }
  for (const Series& s : outputs) output_curves.push_back(curves_of(rows, s, steps, columns));
  const std::vector<double> loss_ticks = nice_ticks({0, loss_max > 0 ? loss_max : 1}, 5);
  const Range loss_range{0, std::max(loss_ticks.back(), loss_max)};
  const Range unit{0, 1};
  const std::vector<double> step_ticks = nice_ticks(steps, 8, 1);

  using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, kWidth, kHeight),
                  cairo_surface_destroy);
  cairo_t* cr = cairo_create(surface.get());
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  Plotter plot(cr);
  const std::string title = rows.empty()
                                ? "GAN training: no steps logged yet"
                                : "GAN training: step " + std::to_string(rows.back().step) +
                                      ", epoch " + std::to_string(rows.back().epoch);
  plot.text(title, kWidth / 2.0, 20, 0.5, 15, true);

  plot.panel(top, steps, loss_range, step_ticks, loss_ticks, false, "loss (BCE)");
  for (size_t i = 0; i < losses.size(); ++i) {
    plot.curve(top, steps, loss_range, loss_curves[i], losses[i].color);
  }
  plot.legend(top, losses);

  plot.panel(bottom, steps, unit, step_ticks, nice_ticks(unit, 4), true, "D output");
  // D's equilibrium: it cannot tell real from fake.
  cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
  const double dashes[] = {4, 4};
  cairo_set_dash(cr, dashes, 2, 0);
  cairo_move_to(cr, bottom.x0, (bottom.y0 + bottom.y1) / 2);
  cairo_line_to(cr, bottom.x1, (bottom.y0 + bottom.y1) / 2);
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  for (size_t i = 0; i < outputs.size(); ++i) {
    plot.curve(bottom, steps, unit, output_curves[i], outputs[i].color);
  }
  plot.legend(bottom, outputs);
  plot.text("step", (kLeft + kRight) / 2, 480, 0.5, 12);

  const cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  std::string png;
  if (status != CAIRO_STATUS_SUCCESS ||
      cairo_surface_write_to_png_stream(surface.get(), append_to_string, &png) !=
          CAIRO_STATUS_SUCCESS) {
    throw std::runtime_error(path +
                             ": cannot draw the loss plot: " + cairo_status_to_string(status));
  }
  write_file_atomically(path, png);
}

}  // namespace qd::train
