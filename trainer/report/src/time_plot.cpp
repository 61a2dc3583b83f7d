#include <algorithm>
#include <cmath>
#include <functional>

#include "plot.h"
#include "qd/report/reports.h"
#include "qd/store/atomic_file.h"

namespace qd::train {

namespace {

using namespace plot;

constexpr int kWidth = 800;
constexpr int kHeight = 640;
constexpr double kLeft = 70, kRight = kWidth - 20;

// Colour-blind-safe (Okabe and Ito), in the order the recipes come.
const Color kColors[] = {{0.00, 0.45, 0.70}, {0.84, 0.37, 0.00}, {0.00, 0.62, 0.45},
                         {0.80, 0.47, 0.65}, {0.90, 0.62, 0.00}, {0.34, 0.71, 0.91},
                         {0.35, 0.35, 0.35}};

Color color_of(size_t i) {
  return kColors[i % std::size(kColors)];
}

// One figure of every curve against minutes, beside the real data's own (a dashed grey level).
void draw_panel(Plotter& plot, const Rect& box, const std::vector<TimeCurve>& curves,
                const std::function<const std::vector<double>&(const TimeCurve&)>& figure,
                double real, Range minutes, Range fixed, bool x_labels, const std::string& title,
                bool legend) {
  Range range = fixed;
  if (range.hi <= range.lo) {
    double hi = std::isfinite(real) ? real : 0;
    for (const TimeCurve& c : curves) {
      for (const double v : figure(c)) {
        if (std::isfinite(v)) hi = std::max(hi, v);
      }
    }
    range = {0, std::max(nice_ticks({0, hi > 0 ? hi * 1.05 : 1}, 4).back(), hi * 1.05)};
  }
  const int columns = static_cast<int>(box.x1 - box.x0);
  plot.panel(box, minutes, range, nice_ticks(minutes, 8), nice_ticks(range, 4), x_labels, title);
  if (std::isfinite(real)) plot.level(box, range, real);
  std::vector<LegendEntry> entries;
  for (size_t i = 0; i < curves.size(); ++i) {
    const std::vector<double>& ys = figure(curves[i]);
    plot.curve(box, minutes, range, curves_of(curves[i].minutes, ys, minutes, columns, false),
               color_of(i));
    for (size_t k = 0; k < ys.size() && k < curves[i].minutes.size(); ++k) {
      if (std::isfinite(ys[k]))
        plot.mark(box, minutes, range, {curves[i].minutes[k], ys[k]}, color_of(i));
    }
    entries.push_back({curves[i].name, color_of(i)});
  }
  entries.push_back({"real data", {0.55, 0.55, 0.55}, true});
  if (legend) plot.legend(box, entries);
}

}  // namespace

void write_time_plot(const std::string& path, const std::vector<TimeCurve>& curves,
                     const TimeFloors& floors) {
  std::vector<double> all_minutes{0};
  for (const TimeCurve& c : curves) {
    all_minutes.insert(all_minutes.end(), c.minutes.begin(), c.minutes.end());
  }
  const Range minutes = x_range(all_minutes);
  Canvas canvas(kWidth, kHeight);
  Plotter plot(canvas.context());
  plot.text("Drawing quality against minutes of training", kWidth / 2.0, 20, 0.5, 15, true);
  draw_panel(
      plot, {kLeft, 58, kRight, 230}, curves,
      [](const TimeCurve& c) -> const std::vector<double>& { return c.fid; }, floors.fid, minutes,
      {0, 0}, false, "FID", true);
  draw_panel(
      plot, {kLeft, 262, kRight, 414}, curves,
      [](const TimeCurve& c) -> const std::vector<double>& { return c.recall; }, floors.recall,
      minutes, {0, 1}, false, "recall", false);
  draw_panel(
      plot, {kLeft, 446, kRight, 590}, curves,
      [](const TimeCurve& c) -> const std::vector<double>& { return c.top1; }, floors.top1, minutes,
      {0, 1}, true, "top-1", false);
  plot.text("minutes of training (FID: lower is better; recall, top-1: higher is better)",
            (kLeft + kRight) / 2, kHeight - 20, 0.5, 12);
  write_file_atomically(path, canvas.png(path + ": the quality-against-time plot"));
}

}  // namespace qd::train
