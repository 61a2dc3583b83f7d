#include "qd/run/training_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "qd/report/reports.h"

namespace qd::train {
namespace fs = std::filesystem;
namespace {

std::string duration_text(double seconds) {
  const long long s = std::llround(seconds);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

}  // namespace

GridInputs grid_inputs(const ModelConfig& m, uint64_t seed, bool ink) {
  const int64_t rows = m.conditional() ? m.classes : kGridColumns;
  torch::manual_seed(step_seed(seed, -1));
  GridInputs g;
  g.noise = torch::randn({rows * kGridColumns, m.latent_dim});
  g.labels = torch::arange(rows * kGridColumns, torch::kLong).div(kGridColumns, "floor");
  if (!m.conditional()) g.labels = torch::Tensor();
  g.picture = {m.image, ink};
  return g;
}

TrainingReport::TrainingReport(std::string run_dir, int64_t epochs, int64_t first_step,
                               int64_t total_steps, std::ostream& log, bool interactive,
                               std::chrono::seconds log_interval)
    : out_(std::move(run_dir)),
      epochs_(epochs),
      total_steps_(total_steps),
      metrics_((fs::path(out_) / "metrics.csv").string(), first_step),
      log_(log),
      interactive_(interactive),
      session_first_step_(first_step),
      session_start_(Clock::now()),
      interval_start_(session_start_),
      log_interval_(log_interval),
      last_log_line_(session_start_) {}

void TrainingReport::record(GanTrainer& trainer, int64_t epoch, int64_t batch_size,
                            double loader_wait_total) {
  const StepMetrics m = trainer.take_metrics();
  if (m.steps == 0) return;
  const auto now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - interval_start_).count();
  last_ = MetricsRow{trainer.steps_done(),
                     epoch + 1,
                     m.loss_d,
                     m.loss_g,
                     m.d_real,
                     m.d_fake,
                     static_cast<double>(m.steps * batch_size) / std::max(seconds, 1e-9),
                     loader_wait_total - wait_at_interval_start_,
                     m.augment_p};
  show_augment_p_ = trainer.settings().augment_p != "1";
  metrics_.append(last_);
  interval_start_ = now;
  wait_at_interval_start_ = loader_wait_total;
  if (interactive_) {
    log_ << '\r' << progress_line(trainer.steps_done(), epoch) << std::flush;
  } else if (now - last_log_line_ >= log_interval_) {
    log_ << progress_line(trainer.steps_done(), epoch) << '\n' << std::flush;
    last_log_line_ = now;
  }
}

void TrainingReport::end_epoch(GanTrainer& trainer, int64_t epoch, const GridInputs& grid) {
  char name[32];
  std::snprintf(name, sizeof name, "epoch-%04lld.png", static_cast<long long>(epoch) + 1);
  const torch::Tensor images = trainer.sample(grid.noise, grid.labels);
  write_sample_grid((fs::path(out_) / "samples" / name).string(), images.data_ptr<uint8_t>(),
                    static_cast<size_t>(images.size(0)), grid.picture, kGridColumns);
  std::vector<std::string> frames;
  for (const auto& entry : fs::directory_iterator(fs::path(out_) / "samples")) {
    const std::string file = entry.path().filename().string();
    if (file.rfind("epoch-", 0) == 0 && entry.path().extension() == ".png") {
      frames.push_back(entry.path().string());
    }
  }
  std::sort(frames.begin(), frames.end());
  write_progress_gif((fs::path(out_) / "progress.gif").string(), frames);
  write_loss_plot((fs::path(out_) / "loss.png").string(), metrics_.rows());
  log_ << (interactive_ ? "\r" : "") << progress_line(trainer.steps_done(), epoch) << '\n'
       << std::flush;
  last_log_line_ = Clock::now();
}

void TrainingReport::say(const std::string& line) {
  log_ << (interactive_ ? "\r\033[K" : "") << line << '\n' << std::flush;
}

double TrainingReport::session_seconds() const {
  return std::chrono::duration<double>(Clock::now() - session_start_).count();
}

std::string TrainingReport::progress_line(int64_t step, int64_t epoch) const {
  const double elapsed = std::chrono::duration<double>(Clock::now() - session_start_).count();
  const int64_t done = step - session_first_step_;
  const double eta =
      done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total_steps_ - step)
               : 0.0;
  char p[32] = "";
  if (show_augment_p_) std::snprintf(p, sizeof p, " aug p %.2f", last_.augment_p);
  char buf[288];
  std::snprintf(buf, sizeof buf,
                "epoch %lld/%lld  step %lld/%lld  loss D %.3f G %.3f  D(x) %.2f D(G(z)) %.2f%s  "
                "%.0f img/s  elapsed %s  ETA %s",
                static_cast<long long>(epoch) + 1, static_cast<long long>(epochs_),
                static_cast<long long>(step), static_cast<long long>(total_steps_), last_.loss_d,
                last_.loss_g, last_.d_real, last_.d_fake, p, last_.images_per_s,
                duration_text(elapsed).c_str(), duration_text(eta).c_str());
  return buf;
}

}  // namespace qd::train
