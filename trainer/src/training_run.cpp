#include "qd/trainer/training_run.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "qd/trainer/cuda_support.h"
#include "qd/trainer/dataset.h"
#include "qd/trainer/device_batches.h"
#include "qd/trainer/gan_trainer.h"
#include "qd/trainer/loader.h"
#include "qd/trainer/metrics_log.h"
#include "qd/trainer/reports.h"
#include "qd/trainer/run_directory.h"

namespace qd::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kGridColumns = 8;

ModelConfig model_config(const TrainOptions& o, const Dataset& data) {
  const ModelConfig m = qd::train::model_config(o.arch, o.conditional, o.latent_dim,
                                                static_cast<int64_t>(data.categories().size()));
  if (data.side() != m.side) {
    throw DatasetError("the data is " + std::to_string(data.side()) + "x" +
                       std::to_string(data.side()) + " but every --arch preset draws " +
                       std::to_string(m.side) + "x" + std::to_string(m.side) + " images");
  }
  return m;
}

TrainSettings train_settings(const TrainOptions& o) {
  TrainSettings s;
  s.lr_g = o.lr_g;
  s.lr_d = o.lr_d;
  s.beta1 = o.beta1;
  s.beta2 = o.beta2;
  s.label_smoothing = o.label_smoothing;
  s.label_noise = o.label_noise;
  s.instance_noise = o.instance_noise;
  s.instance_noise_steps = o.instance_noise_steps;
  s.ema_decay = o.ema_decay;
  s.seed = o.seed;
  return s;
}

// The fixed inputs of the per-epoch grids: 8 columns; one row per category when conditional.
struct GridInputs {
  torch::Tensor noise;
  torch::Tensor labels;
};

GridInputs grid_inputs(const ModelConfig& m, uint64_t seed) {
  const int64_t rows = m.conditional() ? m.classes : kGridColumns;
  torch::manual_seed(step_seed(seed, -1));
  GridInputs g;
  g.noise = torch::randn({rows * kGridColumns, m.latent_dim});
  g.labels = torch::arange(rows * kGridColumns, torch::kLong).div(kGridColumns, "floor");
  if (!m.conditional()) g.labels = torch::Tensor();
  return g;
}

// samples/real.png: the first 64 images of the data, or the first 8 of each category.
void write_real_grid(const std::string& path, const Dataset& data, bool conditional) {
  std::vector<size_t> picked;
  if (conditional) {
    for (int label = 0; label < static_cast<int>(data.categories().size()); ++label) {
      size_t taken = 0;
      for (size_t i = 0; i < data.size() && taken < kGridColumns; ++i) {
        if (data.label(i) == label) {
          picked.push_back(i);
          ++taken;
        }
      }
    }
  } else {
    const auto wanted = static_cast<size_t>(kGridColumns) * kGridColumns;
    for (size_t i = 0; i < data.size() && i < wanted; ++i) picked.push_back(i);
  }
  const size_t image_bytes = static_cast<size_t>(data.side()) * data.side();
  std::vector<uint8_t> pixels;
  for (const size_t i : picked) {
    pixels.insert(pixels.end(), data.image(i), data.image(i) + image_bytes);
  }
  write_sample_grid(path, pixels.data(), picked.size(), data.side(), kGridColumns);
}

// The whole dataset on the device when asked, or (auto) when it is a GPU with room to spare.
std::unique_ptr<BatchSource> batch_source(const TrainOptions& o, const Dataset& data,
                                          torch::Device device) {
  bool resident = o.data_on_device == "on";
  if (o.data_on_device == "auto") {
    resident =
        device.is_cuda() && DeviceBatches::device_bytes(data) <= cuda_free_memory_bytes() / 4;
  } else if (o.data_on_device != "off" && o.data_on_device != "on") {
    throw std::invalid_argument("--data-on-device must be auto, on or off, not '" +
                                o.data_on_device + "'");
  }
  if (resident) return std::make_unique<DeviceBatches>(data, o.batch_size, o.seed, device);
  LoaderOptions loader_options;
  loader_options.batch_size = o.batch_size;
  loader_options.seed = o.seed;
  loader_options.workers = o.workers;
  loader_options.pin_memory = device.is_cuda();
  return std::make_unique<PrefetchLoader>(data, loader_options);
}

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

// Training state that is reported: metrics rows, progress lines, pictures.
class Reporter {
 public:
  Reporter(const TrainOptions& o, int64_t first_step, int64_t total_steps, std::ostream& log,
           bool interactive)
      : out_(o.out),
        epochs_(o.epochs),
        total_steps_(total_steps),
        metrics_((fs::path(o.out) / "metrics.csv").string(), first_step),
        log_(log),
        interactive_(interactive),
        session_first_step_(first_step),
        session_start_(Clock::now()),
        interval_start_(session_start_) {}

  // A metrics.csv row for the steps since the last one.
  void record(GanTrainer& trainer, int64_t epoch, int64_t batch_size, double loader_wait_total) {
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
                       loader_wait_total - wait_at_interval_start_};
    metrics_.append(last_);
    interval_start_ = now;
    wait_at_interval_start_ = loader_wait_total;
    if (interactive_) log_ << '\r' << progress_line(trainer.steps_done(), epoch) << std::flush;
  }

  void end_epoch(GanTrainer& trainer, int64_t epoch, const GridInputs& grid) {
    char name[32];
    std::snprintf(name, sizeof name, "epoch-%04lld.png", static_cast<long long>(epoch) + 1);
    const torch::Tensor images = trainer.sample(grid.noise, grid.labels);
    const int64_t side = images.size(1);
    write_sample_grid((fs::path(out_) / "samples" / name).string(), images.data_ptr<uint8_t>(),
                      images.size(0), static_cast<int>(side), kGridColumns);
    frames_.clear();
    for (const auto& entry : fs::directory_iterator(fs::path(out_) / "samples")) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("epoch-", 0) == 0 && entry.path().extension() == ".png") {
        frames_.push_back(entry.path().string());
      }
    }
    std::sort(frames_.begin(), frames_.end());
    write_progress_gif((fs::path(out_) / "progress.gif").string(), frames_);
    write_loss_plot((fs::path(out_) / "loss.png").string(), metrics_.rows());
    log_ << (interactive_ ? "\r" : "") << progress_line(trainer.steps_done(), epoch) << '\n'
         << std::flush;
  }

  void say(const std::string& line) {
    log_ << (interactive_ ? "\r\033[K" : "") << line << '\n' << std::flush;
  }

 private:
  std::string progress_line(int64_t step, int64_t epoch) const {
    const double elapsed = std::chrono::duration<double>(Clock::now() - session_start_).count();
    const int64_t done = step - session_first_step_;
    const double eta =
        done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total_steps_ - step)
                 : 0.0;
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "epoch %lld/%lld  step %lld/%lld  loss D %.3f G %.3f  D(x) %.2f D(G(z)) %.2f  "
                  "%.0f img/s  elapsed %s  ETA %s",
                  static_cast<long long>(epoch) + 1, static_cast<long long>(epochs_),
                  static_cast<long long>(step), static_cast<long long>(total_steps_), last_.loss_d,
                  last_.loss_g, last_.d_real, last_.d_fake, last_.images_per_s,
                  duration_text(elapsed).c_str(), duration_text(eta).c_str());
    return buf;
  }

  std::string out_;
  int64_t epochs_;
  int64_t total_steps_;
  MetricsLog metrics_;
  std::ostream& log_;
  bool interactive_;
  int64_t session_first_step_;
  Clock::time_point session_start_;
  Clock::time_point interval_start_;
  double wait_at_interval_start_ = 0;
  MetricsRow last_{};
  std::vector<std::string> frames_;
};

}  // namespace

torch::Device choose_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda" || name == "auto") {
    if (torch::cuda::is_available()) return torch::kCUDA;
    if (name == "auto") return torch::kCPU;
    throw std::invalid_argument("--device cuda: no CUDA device is available to this LibTorch");
  }
  throw std::invalid_argument("--device must be auto, cpu or cuda, not '" + name + "'");
}

RunOutcome run_training(const TrainOptions& o, const std::atomic<bool>& stop, std::ostream& log,
                        bool interactive) {
  const torch::Device device = choose_device(o.device);
  if (o.threads > 0) torch::set_num_threads(o.threads);
  std::optional<SavedRun> saved;
  if (o.resume) saved = read_run_config(o.out);

  DatasetOptions data_options;
  data_options.split = o.split;
  const Dataset data = Dataset::open(o.shards, data_options);
  if (saved && (saved->images != data.size() || saved->categories != data.categories())) {
    throw DatasetError("the data has changed since the run began: " + std::to_string(data.size()) +
                       " images now, " + std::to_string(saved->images) +
                       " in config.json; resume with the same --shards");
  }
  const ModelConfig model = model_config(o, data);
  if (data.size() < static_cast<size_t>(o.batch_size)) {
    throw DatasetError("the data has " + std::to_string(data.size()) +
                       " images, fewer than one batch of --batch-size " +
                       std::to_string(o.batch_size));
  }
  GanTrainer trainer(model, train_settings(o), device, o.fast);
  if (!o.resume) create_run_directory(o.out);  // only once data and options are known to be good
  const auto checkpoints = list_checkpoints(o.out);
  if (o.resume && !checkpoints.empty()) trainer.load(checkpoints.back());
  write_run_config(o.out, o, data);

  const std::unique_ptr<BatchSource> batches = batch_source(o, data, device);
  BatchSource& loader = *batches;
  const int64_t per_epoch = loader.batches_per_epoch();
  const int64_t total_steps = o.epochs * per_epoch;
  const std::string real_grid = (fs::path(o.out) / "samples" / "real.png").string();
  if (!fs::exists(real_grid)) write_real_grid(real_grid, data, model.conditional());
  const GridInputs grid = grid_inputs(model, o.seed);

  Reporter reporter(o, trainer.steps_done(), total_steps, log, interactive);
  if (trainer.steps_done() > 0) {
    reporter.say("resuming " + o.out + " at step " + std::to_string(trainer.steps_done()) + " of " +
                 std::to_string(total_steps));
  }
  int64_t last_checkpoint = trainer.steps_done();
  const auto checkpoint = [&] {
    trainer.save(checkpoint_path(o.out, trainer.steps_done()));
    prune_checkpoints(o.out, o.keep_checkpoints);
    last_checkpoint = trainer.steps_done();
  };

  while (trainer.steps_done() < total_steps) {
    const int64_t epoch = trainer.steps_done() / per_epoch;
    loader.start_epoch(epoch, trainer.steps_done() % per_epoch);
    while (std::optional<Batch> batch = loader.next()) {
      trainer.step(batch->images, batch->labels);
      const int64_t step = trainer.steps_done();
      const bool checkpoint_due = step % o.checkpoint_every == 0 || step == total_steps;
      if (step % o.log_every == 0 || checkpoint_due || batch->index + 1 == per_epoch ||
          stop.load()) {
        // A row ends wherever a checkpoint is taken, so a resumed run writes the same rows.
        reporter.record(trainer, epoch, o.batch_size, loader.wait_seconds());
      }
      if (batch->index + 1 == per_epoch) reporter.end_epoch(trainer, epoch, grid);
      if (checkpoint_due) checkpoint();
      if (stop.load()) {
        if (last_checkpoint != step) checkpoint();
        reporter.say("interrupted: checkpoint at step " + std::to_string(step) +
                     " written; continue with --resume");
        return RunOutcome::kInterrupted;
      }
    }
  }
  if (last_checkpoint != trainer.steps_done()) checkpoint();
  reporter.say("done: " + std::to_string(trainer.steps_done()) + " steps, " + o.out);
  return RunOutcome::kCompleted;
}

}  // namespace qd::train
