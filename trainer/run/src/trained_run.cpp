#include "qd/run/trained_run.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "qd/eval/latent_walk.h"
#include "qd/eval/memorisation.h"
#include "qd/eval/sampler.h"

namespace qd::train {

LoadedRun load_run(const SampleRequest& request) {
  LoadedRun loaded;
  loaded.run = read_run_config(request.run);
  const TrainOptions& o = loaded.run.options;
  const ModelConfig model =
      model_config(o, static_cast<int64_t>(loaded.run.categories.size()), loaded.run.image);
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
  draw_each(*loaded.trainer, request.count, request.seed, label, request.truncation,
            request.last_weights, stop, consume);
}

LatentWalk walk_run(const SampleRequest& request, const WalkRequest& walk,
                    const std::atomic<bool>& stop) {
  const LoadedRun loaded = load_run(request);
  const ModelConfig& model = loaded.trainer->model();
  const int64_t label = category_label(loaded, request.category);
  torch::manual_seed(request.seed);
  const torch::Tensor keys =
      truncate_noise(torch::randn({walk.keys * walk.walks, model.latent_dim}), request.truncation,
                     request.seed, 0)
          .view({walk.keys, walk.walks, model.latent_dim});
  const torch::Tensor path = latent_loop(keys, walk.between);  // [frames, walks, latent]
  const int64_t frames = path.size(0);
  LatentWalk out;
  SampleInputs inputs;
  if (model.conditional() && label < 0) {
    // Every category on each walk's path: the walk's noise once per category.
    out.categories = model.classes;
    inputs.noise = path.repeat_interleave(model.classes, 1).reshape({-1, model.latent_dim});
    inputs.labels = torch::arange(model.classes, torch::kLong).repeat({frames * walk.walks});
  } else {
    inputs.noise = path.reshape({-1, model.latent_dim});
    if (model.conditional())
      inputs.labels = torch::full({inputs.noise.size(0)}, label, torch::kLong);
  }
  const torch::Tensor images = draw(*loaded.trainer, inputs, request.last_weights, stop);
  std::vector<int64_t> shape{frames, walk.walks * out.categories};
  for (int64_t d = 1; d < images.dim(); ++d) shape.push_back(images.size(d));
  out.frames = images.reshape(shape);
  return out;
}

namespace {

// The generated images against the run's held-out real ones: the val split of shard
// directories, the --holdout images of .npy inputs. Without them, the reason.
MemorisationCheck memorisation_of(const SketchClassifier& classifier, const SavedRun& run,
                                  const Dataset& training, const torch::Tensor& generated) {
  MemorisationCheck none;
  const std::optional<Dataset> held_out = open_held_out(run.options, none.skipped);
  if (!held_out) return none;
  return check_memorisation(classifier, training, *held_out, generated);
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
    generated.push_back(draw(*loaded.trainer,
                             sample_inputs(loaded.trainer->model(), count, request.seed,
                                           conditional ? label : -1, request.truncation),
                             request.last_weights, stop));
    return generated.back();
  });
  score.memorisation = memorisation_of(classifier, run, data, torch::cat(generated));
  return score;
}

}  // namespace qd::train
