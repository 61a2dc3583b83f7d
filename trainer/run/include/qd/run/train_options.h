#pragma once
// Every option of a training run, declared once: qd_train binds its command line to these fields,
// config.json records them, and --resume decides from visit_run_fields which may change.

#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "qd/data/dataset.h"
#include "qd/model/presets.h"
#include "qd/step/augment.h"
#include "qd/step/device.h"
#include "qd/step/fast_path.h"
#include "qd/step/train_settings.h"
#include "qd/store/manifest.h"
#include "qd/store/value_range.h"

namespace qd::train {

// Where the batches come from: the whole dataset in the device's memory (on; auto: when that is a
// GPU with room to spare), or the prefetching loader (off).
enum class DataOnDevice { kAuto, kOn, kOff };
const char* to_string(DataOnDevice mode);
DataOnDevice parse_data_on_device(std::string_view name);  // throws std::invalid_argument

struct TrainOptions {
  std::vector<std::string> shards;                // any input Dataset::open reads
  SplitSelection split = SplitSelection::kTrain;  // of shard directories
  uint64_t holdout = 0;  // the last images of each .npy input kept out of training (DatasetOptions)
  std::string classes;   // of IDX, CIFAR-10 and image-folder inputs (DatasetOptions)
  std::string class_names;  // a file naming IDX and CIFAR-10 labels
  std::string out;          // the run directory
  bool resume = false;

  std::string arch = "keras-dcgan";  // a name parse_arch accepts
  bool conditional = false;
  int64_t epochs = 25;  // the run's total, counted from its start
  int64_t batch_size = 64;
  int64_t latent_dim = 100;
  int64_t width = kDefaultResnetWidth;  // resnet's (ModelConfig::width)
  TrainSettings step;

  DeviceChoice device = DeviceChoice::kAuto;
  int threads = 0;  // CPU threads for torch (0: all cores)
  int workers = 2;  // loader threads
  DataOnDevice data_on_device = DataOnDevice::kAuto;
  FastPath fast;
  int64_t checkpoint_every = 500;
  int keep_checkpoints = 3;
  int64_t log_every = 50;  // steps per metrics.csv row

  std::string classifier;     // a sketch classifier's directory: evaluate as the run trains
  int64_t eval_every = 1;     // epochs between evaluations (with a classifier)
  int64_t eval_count = 1000;  // images per category and evaluation, as qd_score's --count
};

// Whether a field may take a new value when a run is resumed.
enum class OnResume { kFixed, kMayChange };

// Learning rates: above 0 (0 learns nothing), at most 1 (Adam's steps are about lr in size).
inline constexpr ValueRange<double> kLearningRate{0.0, 1.0, false, true, false};
// --augment-p: a probability, or auto (parse_augment_probability, which names the option).
struct AugmentProbabilityRange {
  void check(std::string_view /*name*/, const std::string& value) const {
    parse_augment_probability(value);
  }
  std::string describe() const { return "0..1 or auto"; }
};
inline constexpr AugmentProbabilityRange kAugmentProbability{};
// More threads than any machine qd runs on has cores; more than this one's are capped at run time.
inline constexpr int kMaxThreads = 1024;

// Calls v(key, on_resume, help, range, field of each of `options`...) for every field config.json
// records, in its order. `range` is what the field accepts: a ValueRange of the field's type for
// every number (checked on the command line, by check_options and in config.json), kAnyValue
// for names, switches and lists (their parsers check them). The command-line option is --key with
// '-' for '_', and `help` is its --help text: qd_train's options, config.json and --resume all
// come from this one list. One visitor can read, write or compare several TrainOptions in step.
template <class Visitor, class... Options>
void visit_run_fields(Visitor&& v, Options&... o) {
  constexpr auto fixed = OnResume::kFixed;
  constexpr auto free = OnResume::kMayChange;
  v("shards", free,
    "input data, repeatable and/or comma-separated: shard directories, parents of several, "
    ".npy files, IDX images files (MNIST), CIFAR-10 binary files or folders, folders of PNGs",
    kAnyValue,
    o.shards...);  // the same images on --resume: checked against config.json's data
  v("split", fixed,
    "which shards of qd_prepare directories: train, val or all (.npy inputs: val is their "
    "--holdout images)",
    kAnyValue, o.split...);
  v("holdout", fixed,
    ".npy inputs: keep the last N images of each out of training, as real images the run never "
    "saw (qd_score's memorisation check, and --classifier's evaluations, compare against them; "
    "shard directories have their val split)",
    at_least<uint64_t>(0), o.holdout...);
  v("classes", fixed,
    "IDX, CIFAR-10 and image-folder inputs: keep only these classes, names or label numbers, "
    "comma-separated, in this order (e.g. 0,3,7) [default: all]",
    kAnyValue, o.classes...);
  v("class_names", fixed,
    "IDX and CIFAR-10 inputs: a file naming their labels 0, 1, ... one per line [default: the "
    "numbers; CIFAR-10: batches.meta.txt beside the data]",
    kAnyValue, o.class_names...);
  v("arch", fixed, "model preset (cdcgan = conditional keras-dcgan; qd = small with qd's recipe)",
    kAnyValue, o.arch...);
  v("conditional", fixed, "condition both networks on the category (one category per input)",
    kAnyValue, o.conditional...);
  v("epochs", free, "epochs in the whole run", between<int64_t>(1, 1000000), o.epochs...);
  v("batch_size", fixed, "images per step [default: 16 for small, qd and resnet, else 64]",
    between<int64_t>(1, 65536), o.batch_size...);
  v("latent_dim", fixed, "size of the noise vector", between<int64_t>(1, 4096), o.latent_dim...);
  v("width", fixed,
    "--arch resnet: channels of the generator's last block and the discriminator's first (each "
    "step towards the 7x7 or 4x4 start doubles them; wider is slower, docs/training.md)",
    between<int64_t>(4, 1024), o.width...);
  v("lr_g", fixed, "the generator's learning rate (overrides --lr)", kLearningRate, o.step.lr_g...);
  v("lr_d", fixed, "the discriminator's learning rate (overrides --lr)", kLearningRate,
    o.step.lr_d...);
  v("beta1", fixed, "Adam's beta1 [default: 0.5]", between(0.0, 1.0).below_max(), o.step.beta1...);
  v("beta2", fixed, "Adam's beta2 [default: 0.999]", between(0.0, 1.0).below_max(),
    o.step.beta2...);
  v("label_smoothing", fixed,
    "one-sided: D's target for real images is 1 - this [default: 0.1 for small and qd (as "
    "pytorch/examples), else 0]",
    between(0.0, 0.5).below_max(), o.step.label_smoothing...);
  v("label_noise", fixed, "probability of flipping each of D's targets (e.g. 0.05)",
    between(0.0, 0.5).below_max(), o.step.label_noise...);
  v("instance_noise", fixed,
    "std-dev of Gaussian noise added to D's inputs (real and fake), decaying linearly to 0 "
    "(e.g. 0.1)",
    between(0.0, 100.0), o.step.instance_noise...);
  v("instance_noise_steps", fixed, "the step at which the instance noise reaches 0",
    between<int64_t>(1, int64_t{1} << 40), o.step.instance_noise_steps...);
  v("ema_decay", fixed,
    "> 0: sample from an exponential moving average of the generator's weights with this decay "
    "per step (e.g. 0.999); grids and qd_sample draw from it, with batch-norm statistics "
    "estimated for it [default: 0.999 for qd and resnet, else 0]",
    between(0.0, 1.0).below_max(), o.step.ema_decay...);
  v("augment", fixed,
    "DiffAugment of every image the discriminator sees, real and generated: off, or "
    "any of translation, cutout, flip (mirroring), rotation (up to 15 degrees) and scale "
    "(lognormal zoom, ADA's), comma-separated [default: flip,translation,cutout for qd and "
    "resnet, else off]",
    kAnyValue, o.step.augment...);
  v("augment_p", fixed,
    "the probability that each --augment transform is applied to each image (drawn per image "
    "and transform; 1: all of them to every image), or auto: ADA's adaptive probability, from 0, "
    "raised while D tells the real images apart too well (--ada-target, --ada-speed)",
    kAugmentProbability, o.step.augment_p...);
  v("ada_target", fixed,
    "with --augment-p auto: the mean sign of D's logits on real images that p is adjusted "
    "towards every 4 steps (ADA's 0.6)",
    between(0.0, 1.0), o.step.ada_target...);
  v("ada_speed", fixed,
    "with --augment-p auto: images over which p may go from 0 to 1 (ADA's 500000 is more "
    "images than a 10-minute CPU run sees, ~150000; 100000 lets p move within one)",
    between<int64_t>(1, int64_t{1} << 40), o.step.ada_speed...);
  v("loss", fixed,
    "bce (the original GAN's, non-saturating) or hinge [default: hinge for resnet, else bce]",
    kAnyValue, o.step.loss...);
  v("spectral_norm", fixed,
    "on or off: spectral normalisation of the discriminator's layers [default: on for resnet, "
    "whose discriminator has it built in, else off]",
    kAnyValue, o.step.spectral_norm...);
  v("r1", fixed,
    "> 0: R1 penalty's gamma on the discriminator's gradient at real images [default: 0.1 for "
    "qd, else 0]",
    between(0.0, 1e6), o.step.r1...);
  v("r1_every", fixed,
    "steps between R1 penalties (lazy; each weighted by this) [default: 16 for qd, else 1]",
    between<int64_t>(1, 1000000), o.step.r1_every...);
  v("lecam", fixed,
    "> 0: LeCam regularisation's lambda (Tseng et al. 2021; e.g. 0.3): D's logits on real images "
    "held near the moving average of its logits on fakes and vice versa, against overfitting on "
    "little data",
    between(0.0, 1e6), o.step.lecam...);
  v("lecam_decay", fixed, "with --lecam: the decay per step of its moving averages of D's logits",
    between(0.0, 1.0).below_max(), o.step.lecam_decay...);
  v("bcr", fixed,
    "> 0: balanced consistency regularisation's lambda (Zhao et al. 2021; e.g. 10): D's logits "
    "on a second augmentation of each real and fake image pulled towards the first's; needs "
    "--augment",
    between(0.0, 1e6), o.step.bcr...);
  v("seed", fixed, "seeds weights, noise, dropout and the data order", at_least<uint64_t>(0),
    o.step.seed...);
  v("device", free, "auto (CUDA when available), cpu or cuda", kAnyValue, o.device...);
  v("threads", free, "CPU threads for torch (0: all cores)", between(0, kMaxThreads), o.threads...);
  v("workers", free, "loader threads assembling batches", between(1, 64), o.workers...);
  v("data_on_device", free,
    "auto, on or off: the whole dataset in the device's memory, batches gathered there (auto: on "
    "CUDA when it takes at most a quarter of the free memory), else the prefetching loader",
    kAnyValue, o.data_on_device...);
  v("cudnn_benchmark", free, "on or off: let cuDNN time its algorithms for the step's shapes",
    kAnyValue, o.fast.cudnn_benchmark...);
  v("channels_last", free, "on or off: NHWC weights and images", kAnyValue,
    o.fast.channels_last...);
  v("bf16", free,
    "on or off: bfloat16 autocast of the forward passes (losses and optimizers in float32)",
    kAnyValue, o.fast.bf16...);
  v("cuda_graph", free,
    "on or off: capture the whole step (both networks, both optimizers) in a CUDA graph after 3 "
    "eager steps and replay it",
    kAnyValue, o.fast.cuda_graph...);
  v("checkpoint_every", free,
    "steps between checkpoints (one is also written at the end and on Ctrl-C)",
    between<int64_t>(1, int64_t{1} << 40), o.checkpoint_every...);
  v("keep_checkpoints", free, "how many of the newest checkpoints to keep", between(1, 1000000),
    o.keep_checkpoints...);
  v("log_every", free, "steps per row of metrics.csv (the only time a step waits for the device)",
    between<int64_t>(1, int64_t{1} << 40), o.log_every...);
  v("classifier", fixed,
    "a Quick, Draw! classifier's directory (e.g. ../shared/quickdraw/models/doodlenet): measure "
    "FID, KID and top-1 as the run trains, and memorisation when it has held-out images "
    "(--holdout, a val split) (quality.csv, quality.png, checkpoints/best.pt)",
    kAnyValue, o.classifier...);
  v("eval_every", free, "with --classifier: epochs between evaluations (and after the last)",
    between<int64_t>(1, 1000000), o.eval_every...);
  v("eval_count", fixed,
    "with --classifier: images per category of each evaluation, real and generated, as "
    "qd_score's --count (n = half of it a side)",
    between<int64_t>(20, 100000), o.eval_count...);
}

// The option of a config.json key: "lr_g" -> "lr-g".
std::string option_name(std::string_view key);

// A field's value as the user would type it ("on", "cat,dog", "hinge"), for messages and reports.
template <class T>
std::string option_text(const T& v) {
  if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    std::string s;
    for (const auto& item : v) s += (s.empty() ? "" : ",") + item;
    return s;
  } else if constexpr (std::is_same_v<T, bool>) {
    return v ? "on" : "off";
  } else if constexpr (std::is_same_v<T, std::string>) {
    return v;
  } else if constexpr (std::is_enum_v<T>) {
    return to_string(v);
  } else {
    std::ostringstream out;
    out << v;
    return out.str();
  }
}

// The model of a run with these options, on `categories` categories of `image`-shaped images.
// Throws std::invalid_argument as qd::train::model_config does.
ModelConfig model_config(const TrainOptions& options, int64_t categories, const ImageShape& image);

// The options Dataset::open takes from a run's.
DatasetOptions dataset_options(const TrainOptions& options);

// The run's held-out real images: the val split of shard directories, the --holdout images of
// .npy inputs. Empty, with the reason in `why`, when it has none.
std::optional<Dataset> open_held_out(const TrainOptions& o, std::string& why);

// Throws std::invalid_argument naming every option out of its range (visit_run_fields), its
// value and the range, and any combination of options that cannot train together.
void check_options(const TrainOptions& options);

// The options of a resumed run: `saved` (config.json's), with the fields that may change taken
// from `command_line` where `given(option)` says the user gave them. A fixed option given again
// with its value is accepted; with another value it is refused (std::invalid_argument naming
// each such option, its value and the run's).
TrainOptions resumed_options(const TrainOptions& saved, const TrainOptions& command_line,
                             const std::function<bool(const std::string& option)>& given);

}  // namespace qd::train
