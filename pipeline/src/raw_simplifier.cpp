#include "qd/pipeline/raw_simplifier.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace qd {
namespace {

struct P {
  double x, y;
};

// Points every 1 unit of arc length from the first, interpolated along the raw segments (the
// distance left over at a raw point carries into the next segment), then the last raw point.
void resample(const P* points, size_t n, std::vector<P>& out) {
  out.clear();
  out.push_back(points[0]);
  double carry = 0;  // arc length since the last sample
  for (size_t i = 1; i < n; ++i) {
    const P a = points[i - 1];
    const P b = points[i];
    const double length = std::hypot(b.x - a.x, b.y - a.y);
    if (length == 0) continue;
    double t = 1.0 - carry;
    for (; t <= length; t += 1.0) {
      out.push_back({a.x + (b.x - a.x) * t / length, a.y + (b.y - a.y) * t / length});
    }
    carry = length - (t - 1.0);
  }
  out.push_back(points[n - 1]);
}

// Ramer-Douglas-Peucker on points[first..last], marking the kept ones; iterative (a stroke of
// thousands of points must not recurse thousands deep).
void rdp(const std::vector<P>& points, double epsilon, std::vector<char>& keep) {
  keep.assign(points.size(), 0);
  keep.front() = 1;
  keep.back() = 1;
  std::vector<std::pair<size_t, size_t>> todo = {{0, points.size() - 1}};
  while (!todo.empty()) {
    const auto [first, last] = todo.back();
    todo.pop_back();
    if (last <= first + 1) continue;
    const P a = points[first];
    const double dx = points[last].x - a.x;
    const double dy = points[last].y - a.y;
    const double length = std::hypot(dx, dy);
    double farthest = -1;
    size_t at = first;
    for (size_t i = first + 1; i < last; ++i) {
      const P p = points[i];
      const double d = length > 0 ? std::abs(dx * (p.y - a.y) - dy * (p.x - a.x)) / length
                                  : std::hypot(p.x - a.x, p.y - a.y);
      if (d > farthest) {
        farthest = d;
        at = i;
      }
    }
    if (farthest > epsilon) {
      keep[at] = 1;
      todo.push_back({first, at});
      todo.push_back({at, last});
    }
  }
}

uint8_t to_byte(double v) {
  // Half to even (the default rounding mode): 76.5 -> 76, 127.5 -> 128, as Google's files have.
  return static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0, 255.0));
}

}  // namespace

bool simplify_raw(const RawDrawing& raw, const SimplifyOptions& options, Drawing& out,
                  uint64_t* resampled) {
  if (raw.x.empty()) return false;
  const auto xs = std::minmax_element(raw.x.begin(), raw.x.end());
  const auto ys = std::minmax_element(raw.y.begin(), raw.y.end());
  const double min_x = *xs.first;
  const double min_y = *ys.first;
  const double extent = std::max(*xs.second - min_x, *ys.second - min_y);
  // (v - min) * 255 / extent, in that order: it gives Google's .5 cases exactly. One point (or
  // all at one place) has no extent: it lands at 0.
  const auto scaled = [&](size_t i) {
    return extent > 0 ? P{(raw.x[i] - min_x) * 255.0 / extent, (raw.y[i] - min_y) * 255.0 / extent}
                      : P{0, 0};
  };
  std::vector<P> stroke;
  // The work bound, before any of it: one resampled point per unit of path, and two per stroke.
  double path = 0;
  for (size_t s = 0; s < raw.stroke_count(); ++s) {
    for (uint32_t i = raw.stroke_begin(s) + 1; i < raw.stroke_ends[s]; ++i) {
      const P a = scaled(i - 1);
      const P b = scaled(i);
      path += std::hypot(b.x - a.x, b.y - a.y);
    }
  }
  const double estimate = path + 2.0 * static_cast<double>(raw.stroke_count());
  if (resampled != nullptr) *resampled = static_cast<uint64_t>(estimate);
  if (estimate > static_cast<double>(options.max_resampled_points)) return false;

  out.points.clear();
  out.stroke_ends.clear();
  std::vector<P> samples;
  std::vector<char> keep;
  for (size_t s = 0; s < raw.stroke_count(); ++s) {
    stroke.clear();
    for (uint32_t i = raw.stroke_begin(s); i < raw.stroke_ends[s]; ++i) stroke.push_back(scaled(i));
    resample(stroke.data(), stroke.size(), samples);
    rdp(samples, options.epsilon, keep);
    for (size_t i = 0; i < samples.size(); ++i) {
      if (keep[i]) out.points.push_back({to_byte(samples[i].x), to_byte(samples[i].y)});
    }
    out.stroke_ends.push_back(static_cast<uint32_t>(out.points.size()));
  }
  return true;
}

}  // namespace qd
