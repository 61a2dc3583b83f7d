#include "qd/run/quality_tracker.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "qd/eval/memorisation.h"
#include "qd/eval/sampler.h"
#include "qd/report/reports.h"
#include "qd/run/run_directory.h"
#include "qd/store/atomic_file.h"

namespace qd::train {

namespace fs = std::filesystem;

namespace {

// best.pt becomes the checkpoint of `step`: a hard link (no copy, and pruning the step's name
// keeps it), or a copy where the file system has no links; replaced atomically either way.
void link_best(const std::string& run_dir, int64_t step) {
  const std::string source = checkpoint_path(run_dir, step);
  const std::string best = best_checkpoint_path(run_dir);
  const std::string temporary = best + ".tmp";
  std::error_code error;
  fs::remove(temporary, error);
  fs::create_hard_link(source, temporary, error);
  if (error) {
    write_file_atomically(best, read_file(source));
    return;
  }
  fs::rename(temporary, best);
  sync_directory(fs::path(best).parent_path().string());
}

QualityRow row_of(int64_t step, int64_t epoch, const std::string& category, const Distribution& d,
                  const Distribution& floor, double top1, double top1_real) {
  QualityRow r;
  r.step = step;
  r.epoch = epoch;
  r.category = category;
  r.n = d.n;
  r.fid = d.fid;
  r.fid_floor = floor.fid;
  r.kid = d.kid.mean;
  r.kid_floor = floor.kid.mean;
  r.precision = d.pr.precision;
  r.precision_floor = floor.pr.precision;
  r.recall = d.pr.recall;
  r.recall_floor = floor.pr.recall;
  r.top1 = top1;
  r.top1_real = top1_real;
  return r;
}

// The held-out images of a category that the check takes per category; fewer: all together only.
constexpr int64_t kMinHeldOutPerCategory = 20;

MemorisationFigures figures_of(const Memorisation& m) {
  return {m.ratio, m.copies, m.held_out_copies};
}

}  // namespace

QualityTracker::QualityTracker(const TrainOptions& o, const Dataset& data)
    : classifier_(o.classifier),
      reference_(classifier_, data, data.categories(), o.eval_count),
      eval_every_(o.eval_every),
      categories_(data.categories().size()) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<uint64_t> images(categories_, 0);
  for (const DatasetSource& s : data.sources()) images[static_cast<size_t>(s.label)] += s.images;
  for (size_t c = 0; c < categories_; ++c) {
    if (images[c] < 8) {
      throw std::invalid_argument("--classifier: category " + data.categories()[c] + " has " +
                                  std::to_string(images[c]) +
                                  " images; an evaluation needs at least 8 (two halves of 4)");
    }
  }
  // The memorisation check's training and held-out side, as qd_score's (check_memorisation).
  std::optional<Dataset> held_out = open_held_out(o, memorisation_skipped_);
  if (held_out && held_out->shape() != data.shape()) {
    memorisation_skipped_ = "the held-out images are " + to_string(held_out->shape()) +
                            ", the training images " + to_string(data.shape());
    held_out.reset();
  }
  if (held_out) {
    torch::NoGradGuard no_grad;
    HeldOut h;
    h.training = memorisation_features(classifier_, data, kMaxTrainingCompared).to(torch::kFloat64);
    torch::Tensor held_labels;
    const torch::Tensor features =
        memorisation_features(classifier_, *held_out, kMaxHeldOutCompared, &held_labels);
    h.distances = nearest_distances(features, h.training);
    // The held-out data's labels as the training data's (its categories, by name).
    std::vector<int64_t> label_of;
    for (const std::string& name : held_out->categories()) {
      const auto at = std::find(data.categories().begin(), data.categories().end(), name);
      label_of.push_back(at == data.categories().end() ? -1 : at - data.categories().begin());
    }
    h.labels = torch::tensor(label_of, torch::kLong).index_select(0, held_labels);
    held_out_ = std::move(h);
  }
  memorisation_setup_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void QualityTracker::open(const std::string& run_dir, int64_t resumed_step) {
  run_dir_ = run_dir;
  log_.emplace((fs::path(run_dir) / "quality.csv").string(), resumed_step);
  const std::string best = best_checkpoint_path(run_dir);
  const QualityRow* row = best_row(log_->rows());
  if (row == nullptr) {
    fs::remove(best);  // from evaluations after the checkpoint resumed from
    return;
  }
  // A kill between an evaluation's row and its link leaves best.pt behind the csv.
  const std::string source = checkpoint_path(run_dir, row->step);
  if (fs::exists(source) && (!fs::exists(best) || !fs::equivalent(source, best))) {
    link_best(run_dir, row->step);
  }
  if (!log_->rows().empty())
    write_quality_plot((fs::path(run_dir) / "quality.png").string(), log_->rows());
}

bool QualityTracker::due(int64_t epoch, int64_t epochs) const {
  return (epoch + 1) % eval_every_ == 0 || epoch + 1 == epochs;
}

bool QualityTracker::evaluated(int64_t step) const {
  for (const QualityRow& r : log_->rows()) {
    if (r.step == step) return true;
  }
  return false;
}

QualityRow QualityTracker::evaluate(GanTrainer& trainer, int64_t epoch) {
  const auto start = std::chrono::steady_clock::now();
  const std::atomic<bool> never_stop{false};
  const bool conditional = trainer.model().conditional();
  // Only the n images compared are drawn (and recognised): the first n of qd_score's.
  const int64_t n = reference_.half();
  const RunScore score = reference_.score(
      [&](int64_t label, int64_t) {
        const SampleInputs all =
            sample_inputs(trainer.model(), reference_.count(), 0, conditional ? label : -1);
        SampleInputs first{all.noise.narrow(0, 0, n),
                           all.labels.defined() ? all.labels.narrow(0, 0, n) : all.labels};
        return draw(trainer, first, false, never_stop);
      },
      n);
  const double previous_best = best_row(log_->rows()) ? best_row(log_->rows())->fid : 0;
  const bool first = best_row(log_->rows()) == nullptr;
  const int64_t step = trainer.steps_done();
  std::vector<QualityRow> rows;
  double top1 = 0, top1_real = 0;
  for (const CategoryScore& s : score.categories) {
    top1 += s.generated.top1 / static_cast<double>(score.categories.size());
    top1_real += s.real.top1 / static_cast<double>(score.categories.size());
    if (categories_ > 1) {
      rows.push_back(
          row_of(step, epoch + 1, s.category, s.distance, s.floor, s.generated.top1, s.real.top1));
    }
  }
  rows.push_back(
      row_of(step, epoch + 1, kAllCategories, score.distance, score.floor, top1, top1_real));
  if (held_out_) {
    // Every category's generated images together against every held-out image, and each
    // category's against its own held-out images where it has enough of them.
    const auto started = std::chrono::steady_clock::now();
    std::vector<torch::Tensor> features;
    for (const CategoryScore& c : score.categories) {
      if (c.generated_features.defined()) features.push_back(c.generated_features);
    }
    if (!features.empty()) {
      const torch::Tensor distances = nearest_distances(torch::cat(features), held_out_->training);
      const int64_t training = held_out_->training.size(0);
      rows.back().memorisation =
          figures_of(memorisation_of_distances(held_out_->distances, distances, training));
      int64_t first = 0;
      for (size_t label = 0; label < score.categories.size() && categories_ > 1; ++label) {
        const torch::Tensor& generated = score.categories[label].generated_features;
        if (!generated.defined()) continue;
        const torch::Tensor held =
            held_out_->distances.index({held_out_->labels == static_cast<int64_t>(label)});
        if (held.size(0) >= kMinHeldOutPerCategory) {
          rows[label].memorisation = figures_of(memorisation_of_distances(
              held, distances.narrow(0, first, generated.size(0)), training));
        }
        first += generated.size(0);
      }
    }
    memorisation_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (QualityRow& r : rows) {
    r.eval_seconds = seconds;
    log_->append(r);
  }
  if (first || rows.back().fid < previous_best) link_best(run_dir_, step);
  write_quality_plot((fs::path(run_dir_) / "quality.png").string(), log_->rows());
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return rows.back();
}

}  // namespace qd::train
