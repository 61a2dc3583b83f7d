#include "qd/model/presets.h"

#include <stdexcept>

namespace qd::train {

namespace {
// The names of Arch's values, in its order.
const std::vector<std::string> kArchNames = {"keras-dcgan", "tf-dcgan", "small", "superdeep",
                                             "resnet"};
}  // namespace

Arch parse_arch(const std::string& name, bool* conditional) {
  if (conditional != nullptr) *conditional = name == "cdcgan";
  if (name == "cdcgan") return Arch::kKerasDcgan;
  if (name == "qd") return Arch::kSmall;
  for (size_t i = 0; i < kArchNames.size(); ++i) {
    if (name == kArchNames[i]) return static_cast<Arch>(i);
  }
  std::string known;
  for (const auto& n : arch_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown architecture '" + name + "' (known: " + known + ")");
}

std::string arch_name(Arch arch) {
  return kArchNames[static_cast<size_t>(arch)];
}

std::vector<std::string> arch_names() {
  std::vector<std::string> names = kArchNames;
  names.insert(names.end(), {"cdcgan", "qd"});
  return names;
}

void check_image_shape(Arch arch, const ImageShape& shape) {
  const int64_t s = shape.side;
  const bool power_of_two = s >= 16 && s <= 256 && (s & (s - 1)) == 0;
  const bool quarter = arch == Arch::kTfDcgan || arch == Arch::kSuperdeep;
  const bool fits = s == 28 || power_of_two || (quarter && s >= 16 && s <= 256 && s % 4 == 0);
  if (!fits || shape.channels < 1) {
    throw std::invalid_argument(
        "--arch " + arch_name(arch) + " draws " +
        (quarter ? "images whose side is divisible by 4, from 16x16 to 256x256"
                 : "28x28 images or 16x16, 32x32, 64x64, 128x128 or 256x256 ones") +
        "; the data is " + to_string(shape));
  }
}

ModelConfig model_config(const std::string& arch, bool conditional, int64_t latent_dim,
                         int64_t categories, const ImageShape& image, int64_t width) {
  ModelConfig m;
  bool cdcgan = false;
  m.arch = parse_arch(arch, &cdcgan);
  m.latent_dim = latent_dim;
  m.classes = conditional || cdcgan ? categories : 0;
  m.image = image;
  m.width = width;
  check_image_shape(m.arch, image);
  return m;
}

PixelRange pixel_range(Arch arch) {
  return arch == Arch::kSuperdeep ? PixelRange::kUnit : PixelRange::kSigned;
}

TrainingDefaults training_defaults(const std::string& preset) {
  // Radford et al.'s Adam settings for all. pytorch/examples' `small` trains with soft real
  // targets (uniform 0.8..1.0); its one-sided equivalent here, 0.1, gave visibly better cats
  // after 30 epochs on 3,000 images. Its batches of 16 rather than 64 give the generator four
  // times the updates per epoch: after 30 epochs on those cats doodleNet recognised 22% of its
  // drawings instead of 1% (docs/training.md).
  TrainingDefaults d;
  const Arch arch = parse_arch(preset);
  if (arch == Arch::kSmall) {
    d.label_smoothing = 0.1;
    d.batch_size = 16;
  }
  // SNGAN's: the hinge loss, a spectrally normalised discriminator (built in, resnet.h); qd's
  // batches of 16, DiffAugment and averaged weights, as the bake-off found best on a CPU.
  if (arch == Arch::kResnet) {
    d.batch_size = 16;
    d.loss = "hinge";
    d.spectral_norm = true;
    d.augment = "flip,translation,cutout";
    d.ema_decay = 0.999;
  }
  // qd's recipe, the winner of the bake-off (bench/bake_off.cpp, docs/training.md): on 3,000 cats
  // in 9 minutes of 2 cores, FID 35.9 against small's 93.6 and doodleNet top-1 56.5% against 20%.
  // Each part earns its place in the ablation there.
  if (preset == "qd") {
    d.augment = "flip,translation,cutout";
    d.ema_decay = 0.999;
    d.r1 = 0.1;
    d.r1_every = 16;
  }
  return d;
}

}  // namespace qd::train
