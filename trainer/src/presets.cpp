#include "qd/trainer/presets.h"

#include <stdexcept>

namespace qd::train {

namespace {
// The names of Arch's values, in its order; "cdcgan" (conditional keras-dcgan) comes last.
const std::vector<std::string> kArchNames = {"keras-dcgan", "tf-dcgan", "small", "superdeep",
                                             "cdcgan"};
}  // namespace

Arch parse_arch(const std::string& name, bool* conditional) {
  if (conditional != nullptr) *conditional = name == "cdcgan";
  if (name == "cdcgan") return Arch::kKerasDcgan;
  for (size_t i = 0; i + 1 < kArchNames.size(); ++i) {
    if (name == kArchNames[i]) return static_cast<Arch>(i);
  }
  std::string known;
  for (const auto& n : kArchNames) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown architecture '" + name + "' (known: " + known + ")");
}

std::string arch_name(Arch arch) {
  return kArchNames[static_cast<size_t>(arch)];
}

std::vector<std::string> arch_names() {
  return kArchNames;
}

ModelConfig model_config(const std::string& arch, bool conditional, int64_t latent_dim,
                         int64_t categories) {
  ModelConfig m;
  bool cdcgan = false;
  m.arch = parse_arch(arch, &cdcgan);
  m.latent_dim = latent_dim;
  m.classes = conditional || cdcgan ? categories : 0;
  return m;
}

PixelRange pixel_range(Arch arch) {
  return arch == Arch::kSuperdeep ? PixelRange::kUnit : PixelRange::kSigned;
}

TrainingDefaults training_defaults(Arch arch) {
  // Radford et al.'s Adam settings for all. pytorch/examples' `small` trains with soft real
  // targets (uniform 0.8..1.0); its one-sided equivalent here, 0.1, gave visibly better cats
  // after 30 epochs on 3,000 images. Its batches of 16 rather than 64 give the generator four
  // times the updates per epoch: after 30 epochs on those cats doodleNet recognised 22% of its
  // drawings instead of 1% (docs/training.md).
  TrainingDefaults d;
  if (arch == Arch::kSmall) {
    d.label_smoothing = 0.1;
    d.batch_size = 16;
  }
  return d;
}

}  // namespace qd::train
