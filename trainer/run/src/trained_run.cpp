#include "qd/run/trained_run.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "qd/eval/memorisation.h"
#include "qd/eval/sampler.h"

namespace qd::train {

LoadedRun load_run(const SampleRequest& request) {
  LoadedRun loaded;
  loaded.run = read_run_config(request.run);
  const TrainOptions& o = loaded.run.options;
  const ModelConfig model =
      model_config(o.arch, o.conditional, o.latent_dim,
                   static_cast<int64_t>(loaded.run.categories.size()), loaded.run.image);
  loaded.trainer = std::make_unique<GanTrainer>(model, o.step, choose_device(request.device));
  loaded.checkpoint = resolve_checkpoint(request.run, request.checkpoint);
  loaded.trainer->load(loaded.checkpoint);
  return loaded;
}

int64_t category_label(const LoadedRun& loaded, const std::string& category) {
  if (category.empty()) return -1;
  if (!loaded.trainer->model().conditional()) {
    throw std::invalid_argument("--category: " + loaded.run.options.out +
                                " is not a conditional run");
  }
  const auto& categories = loaded.run.categories;
  const auto it = std::find(categories.begin(), categories.end(), category);
  if (it == categories.end()) {
    std::string known;
    for (const auto& c : categories) known += (known.empty() ? "" : ", ") + c;
    throw std::invalid_argument("--category " + category + ": the run knows " + known);
  }
  return it - categories.begin();
}

void sample_run(const SampleRequest& request, const std::atomic<bool>& stop,
                const std::function<void(const torch::Tensor& images)>& consume) {
  const LoadedRun loaded = load_run(request);
  const int64_t label = category_label(loaded, request.category);
  draw_each(*loaded.trainer, request.count, request.seed, label, request.last_weights, stop,
            consume);
}

namespace {

// The generated images against the run's held-out real ones: the val split of shard
// directories, the --holdout images of .npy inputs. Without them, the reason.
MemorisationCheck memorisation_of(const SketchClassifier& classifier, const SavedRun& run,
                                  const Dataset& training, const torch::Tensor& generated) {
  MemorisationCheck none;
  if (run.options.split != SplitSelection::kTrain) {
    none.skipped = std::string("the run trained on --split ") + to_string(run.options.split) +
                   ": it has no held-out images";
    return none;
  }
  DatasetOptions options = dataset_options(run.options);
  options.split = SplitSelection::kVal;
  try {
    return check_memorisation(classifier, training, Dataset::open(run.options.shards, options),
                              generated);
  } catch (const DatasetError& e) {
    none.skipped = std::string("no held-out images (") + e.what() +
                   "); .npy inputs need qd_train --holdout N, shard directories a val split";
    return none;
  }
}

}  // namespace

RunScore score_run(const SketchClassifier& classifier, const SampleRequest& request,
                   const std::atomic<bool>& stop) {
  const LoadedRun loaded = load_run(request);
  const SavedRun& run = loaded.run;
  const bool conditional = loaded.trainer->model().conditional();
  if (!conditional && run.categories.size() > 1) {
    throw std::invalid_argument(request.run +
                                " is an unconditional run over several categories: its "
                                "drawings have no category to check");
  }
  std::vector<std::string> scored = run.categories;
  if (!request.category.empty()) {
    if (std::find(scored.begin(), scored.end(), request.category) == scored.end()) {
      throw std::invalid_argument("--category " + request.category + ": not a category of " +
                                  request.run);
    }
    scored = {request.category};
  }
  const Dataset data = Dataset::open(run.options.shards, dataset_options(run.options));
  const ScoreReference reference(classifier, data, scored, request.count);
  std::vector<torch::Tensor> generated;
  RunScore score = reference.score([&](int64_t label, int64_t count) {
    generated.push_back(
        draw(*loaded.trainer,
             sample_inputs(loaded.trainer->model(), count, request.seed, conditional ? label : -1),
             request.last_weights, stop));
    return generated.back();
  });
  score.memorisation = memorisation_of(classifier, run, data, torch::cat(generated));
  return score;
}

}  // namespace qd::train
