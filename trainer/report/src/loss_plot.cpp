#include <algorithm>
#include <functional>

#include "plot.h"
#include "qd/report/reports.h"
#include "qd/store/atomic_file.h"

namespace qd::train {

namespace {

using namespace plot;

constexpr int kWidth = 800;
constexpr int kHeight = 500;
constexpr double kLeft = 70, kRight = kWidth - 20;  // the panels' horizontal extent

struct Series {
  const char* name;
  Color color;
  std::function<double(const MetricsRow&)> value;
};

Curves curves_of(const std::vector<MetricsRow>& rows, const Series& s, Range steps, int columns) {
  std::vector<double> xs, ys;
  for (const MetricsRow& r : rows) {
    xs.push_back(static_cast<double>(r.step));
    ys.push_back(s.value(r));
  }
  return plot::curves_of(xs, ys, steps, columns);
}

std::vector<LegendEntry> legend_of(const std::vector<Series>& series) {
  std::vector<LegendEntry> entries;
  for (const Series& s : series) entries.push_back({s.name, s.color});
  return entries;
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

  std::vector<double> all_steps;
  for (const MetricsRow& r : rows) all_steps.push_back(static_cast<double>(r.step));
  const Range steps = x_range(all_steps);
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

  Canvas canvas(kWidth, kHeight);
  Plotter plot(canvas.context());
  const std::string title = rows.empty()
                                ? "GAN training: no steps logged yet"
                                : "GAN training: step " + std::to_string(rows.back().step) +
                                      ", epoch " + std::to_string(rows.back().epoch);
  plot.text(title, kWidth / 2.0, 20, 0.5, 15, true);

  plot.panel(top, steps, loss_range, step_ticks, loss_ticks, false, "loss");
  for (size_t i = 0; i < losses.size(); ++i) {
    plot.curve(top, steps, loss_range, loss_curves[i], losses[i].color);
  }
  plot.legend(top, legend_of(losses));

  plot.panel(bottom, steps, unit, step_ticks, nice_ticks(unit, 4), true, "D output");
  plot.level(bottom, unit, 0.5);  // D's equilibrium: it cannot tell real from fake
  for (size_t i = 0; i < outputs.size(); ++i) {
    plot.curve(bottom, steps, unit, output_curves[i], outputs[i].color);
  }
  plot.legend(bottom, legend_of(outputs));
  plot.text("step", (kLeft + kRight) / 2, 480, 0.5, 12);
  write_file_atomically(path, canvas.png(path + ": the loss plot"));
}

}  // namespace qd::train
