#pragma once
// The model presets of `--arch`: which published design, what it needs and what it trains with.

#include <cstdint>
#include <string>
#include <vector>

namespace qd::train {

enum class Arch { kKerasDcgan, kTfDcgan, kSmall, kSuperdeep };

// "keras-dcgan", "tf-dcgan", "small", "superdeep" (and "cdcgan" = conditional keras-dcgan, which
// parse_arch reports through `conditional`). Throws std::invalid_argument listing the names.
Arch parse_arch(const std::string& name, bool* conditional = nullptr);
std::string arch_name(Arch arch);
std::vector<std::string> arch_names();  // every name parse_arch accepts

// What both networks of a model are built from.
struct ModelConfig {
  Arch arch = Arch::kKerasDcgan;
  int64_t latent_dim = 100;
  int64_t classes = 0;  // > 0: conditional on that many categories (one-hot labels)
  int64_t side = 28;    // every preset draws 28x28 images

  bool conditional() const { return classes > 0; }
};

// The model of a run: `arch` as --arch names it ("cdcgan" is conditional keras-dcgan), on data
// with `categories` categories.
ModelConfig model_config(const std::string& arch, bool conditional, int64_t latent_dim,
                         int64_t categories);

// How the images are scaled for a preset: tanh generators see [-1, 1], sigmoid ones [0, 1].
enum class PixelRange { kSigned, kUnit };
PixelRange pixel_range(Arch arch);

// Per-preset training defaults, used where the command line does not say otherwise.
struct TrainingDefaults {
  double lr = 2e-4;  // both networks
  double beta1 = 0.5;
  double beta2 = 0.999;
  double label_smoothing = 0.0;
  int64_t batch_size = 64;
};
TrainingDefaults training_defaults(Arch arch);

}  // namespace qd::train
