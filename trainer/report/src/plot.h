#pragma once
// The pieces loss.png and quality.png are drawn with: panels with ticks and grid lines, curves
// (raw and smoothed), legends and text, on a Cairo image surface encoded as PNG.

#include <cairo.h>

#include <memory>
#include <string>
#include <vector>

namespace qd::train::plot {

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
struct LegendEntry {
  std::string name;
  Color color;
  bool dashed = false;
};

// Ticks at 1, 2 or 5 times a power of ten, about `target` of them across the range, at least
// `min_step` apart (1 for steps, which are whole numbers).
std::vector<double> nice_ticks(Range r, int target, double min_step = 0);

// The smallest and largest x, widened to a visible span when they are equal ({0, 1} if none).
Range x_range(const std::vector<double>& xs);

// What one series draws: its raw (per-column) curve, and a smoothed one when there are many
// points. Non-finite values are left out rather than breaking the curve's scale.
struct Curves {
  std::vector<Point> raw, trend;
};
Curves curves_of(const std::vector<double>& xs, const std::vector<double>& ys, Range x_span,
                 int columns, bool smooth = true);

// A white canvas of width x height with its Cairo context, encoded as PNG by png().
class Canvas {
 public:
  Canvas(int width, int height);
  ~Canvas();
  Canvas(const Canvas&) = delete;
  Canvas& operator=(const Canvas&) = delete;
  cairo_t* context() const { return cr_; }
  // Throws std::runtime_error naming `what` if drawing failed.
  std::string png(const std::string& what) const;

 private:
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface_;
  cairo_t* cr_;
};

class Plotter {
 public:
  explicit Plotter(cairo_t* cr);

  // Text anchored at (x, y): align 0 left, 0.5 centred, 1 right; vertically centred on y.
  void text(const std::string& s, double x, double y, double align, double size, bool bold = false);
  void panel(const Rect& box, Range xs, Range ys, const std::vector<double>& xticks,
             const std::vector<double>& yticks, bool x_labels, const std::string& y_title);
  // The raw curve alone when it is all there is; faint under its trend when there is one.
  void curve(const Rect& box, Range xs, Range ys, const Curves& curves, Color c,
             bool dashed = false);
  // A dashed grey line across the panel at y (a reference level).
  void level(const Rect& box, Range ys, double y);
  // A ring around the point (x, y), to mark it.
  void mark(const Rect& box, Range xs, Range ys, Point p, Color c);
  // A row of entries just above the panel's top right corner, clear of the curves.
  void legend(const Rect& box, const std::vector<LegendEntry>& entries);

 private:
  void polyline(const Rect& box, Range xs, Range ys, const std::vector<Point>& points,
                double width);
  void grid_line(double x0, double y0, double x1, double y1);

  cairo_t* cr_;
};

}  // namespace qd::train::plot
