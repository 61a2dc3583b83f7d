#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

#include "plot.h"
#include "qd/report/reports.h"
#include "qd/store/atomic_file.h"

namespace qd::train {

namespace {

using namespace plot;

constexpr int kWidth = 800;
constexpr int kHeight = 640;
constexpr int kRatioPanel = 176;  // added below when there is a memorisation ratio
constexpr double kLeft = 70, kRight = kWidth - 20;

struct Pair {
  const char* name;
  const char* floor_name;
  Color color;
  std::function<double(const QualityRow&)> value, floor;
  double scale = 1;  // shown multiplied by this
};

// A panel of one figure beside its floor (dashed), against epoch.
void draw_panel(Plotter& plot, const Rect& box, const std::vector<const QualityRow*>& rows,
                const Pair& p, Range epochs, bool x_labels, const std::string& title,
                const QualityRow* best, Range fixed = {0, 0}) {
  std::vector<double> xs, ys, floors;
  for (const QualityRow* r : rows) {
    xs.push_back(static_cast<double>(r->epoch));
    ys.push_back(p.value(*r) * p.scale);
    floors.push_back(p.floor(*r) * p.scale);
  }
  Range range = fixed;
  if (range.hi <= range.lo) {
    double hi = 0;
    for (const double v : ys) hi = std::max(hi, v);
    for (const double v : floors) hi = std::max(hi, v);
    const std::vector<double> ticks = nice_ticks({0, hi > 0 ? hi * 1.05 : 1}, 4);
    range = {std::min(0.0, *std::min_element(floors.begin(), floors.end())),
             std::max(ticks.back(), hi * 1.05)};
  }
  const int columns = static_cast<int>(box.x1 - box.x0);
  plot.panel(box, epochs, range, nice_ticks(epochs, 10, 1), nice_ticks(range, 4), x_labels, title);
  plot.curve(box, epochs, range, curves_of(xs, floors, epochs, columns, false), p.color, true);
  plot.curve(box, epochs, range, curves_of(xs, ys, epochs, columns, false), p.color);
  if (best != nullptr) {
    plot.mark(box, epochs, range, {static_cast<double>(best->epoch), p.value(*best) * p.scale},
              {0.8, 0.1, 0.1});
  }
  plot.legend(box, {{p.name, p.color}, {p.floor_name, p.color, true}});
}

// The memorisation ratio against epoch, with its neutral level 1 (dashed grey); evaluations
// that did not measure it are left out.
void draw_ratio_panel(Plotter& plot, const Rect& box, const std::vector<const QualityRow*>& rows,
                      Range epochs) {
  const Color color{0.49, 0.18, 0.56};
  std::vector<double> xs, ys;
  double hi = 1.5;
  for (const QualityRow* r : rows) {
    xs.push_back(static_cast<double>(r->epoch));
    ys.push_back(r->memorisation ? r->memorisation->ratio
                                 : std::numeric_limits<double>::quiet_NaN());
    if (std::isfinite(ys.back())) hi = std::max(hi, ys.back() * 1.05);
  }
  const Range range{0, std::max(nice_ticks({0, hi}, 4).back(), hi)};
  plot.panel(box, epochs, range, nice_ticks(epochs, 10, 1), nice_ticks(range, 4), true,
             "memorisation");
  plot.level(box, range, 1.0);
  plot.curve(box, epochs, range,
             curves_of(xs, ys, epochs, static_cast<int>(box.x1 - box.x0), false), color);
  plot.legend(box,
              {{"ratio (median distance to nearest training image, generated / held-out)", color},
               {"1", {0.55, 0.55, 0.55}, true}});
}

}  // namespace

void write_quality_plot(const std::string& path, const std::vector<QualityRow>& all_rows) {
  std::vector<const QualityRow*> rows;  // of every category together
  std::vector<double> epochs_seen;
  for (const QualityRow& r : all_rows) {
    if (r.category == kAllCategories) {
      rows.push_back(&r);
      epochs_seen.push_back(static_cast<double>(r.epoch));
    }
  }
  const QualityRow* best = best_row(all_rows);
  bool memorisation = false;  // a panel of its own when any evaluation measured it
  for (const QualityRow* r : rows) memorisation = memorisation || r->memorisation.has_value();
  const Range epochs = x_range(epochs_seen);
  const Pair fid{"FID",
                 "floor (real vs real)",
                 {0.00, 0.45, 0.74},
                 [](const QualityRow& r) { return r.fid; },
                 [](const QualityRow& r) { return r.fid_floor; }};
  const Pair kid{"KID x 1000",
                 "floor",
                 {0.85, 0.33, 0.10},
                 [](const QualityRow& r) { return r.kid; },
                 [](const QualityRow& r) { return r.kid_floor; },
                 1000};
  const Pair top1{"generated",
                  "real",
                  {0.47, 0.67, 0.19},
                  [](const QualityRow& r) { return r.top1; },
                  [](const QualityRow& r) { return r.top1_real; }};

  const int height = kHeight + (memorisation ? kRatioPanel : 0);
  Canvas canvas(kWidth, height);
  Plotter plot(canvas.context());
  std::string title = "Drawing quality: no evaluation yet";
  if (!rows.empty()) {
    char text[160];
    std::snprintf(text, sizeof text,
                  "Drawing quality: epoch %lld, FID %.2f (best %.2f, epoch %lld)",
                  static_cast<long long>(rows.back()->epoch), rows.back()->fid, best->fid,
                  static_cast<long long>(best->epoch));
    title = text;
  }
  plot.text(title, kWidth / 2.0, 20, 0.5, 15, true);
  if (!rows.empty()) {
    draw_panel(plot, {kLeft, 58, kRight, 230}, rows, fid, epochs, false, "FID", best);
    draw_panel(plot, {kLeft, 262, kRight, 414}, rows, kid, epochs, false, "KID x 1000", best);
    draw_panel(plot, {kLeft, 446, kRight, 590}, rows, top1, epochs, !memorisation, "top-1", best,
               {0, 1});
    if (memorisation) draw_ratio_panel(plot, {kLeft, 622, kRight, 766}, rows, epochs);
  }
  plot.text(memorisation ? "epoch (FID, KID: lower is better; top-1: the classifier names the "
                           "category; ratio below 1: copies)"
                         : "epoch (FID, KID: lower is better; top-1: the classifier names the "
                           "category)",
            (kLeft + kRight) / 2, height - 20, 0.5, 12);
  write_file_atomically(path, canvas.png(path + ": the quality plot"));
}

}  // namespace qd::train
