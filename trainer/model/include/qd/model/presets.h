#pragma once
// The model presets of `--arch`: which published design, what it needs and what it trains with.

#include <cstdint>
#include <string>
#include <vector>

#include "qd/data/image_shape.h"

namespace qd::train {

enum class Arch { kKerasDcgan, kTfDcgan, kSmall, kSuperdeep, kResnet };

// "keras-dcgan", "tf-dcgan", "small", "superdeep", "resnet", and two names for one of those with
// more: "cdcgan" = conditional keras-dcgan (parse_arch reports it through `conditional`) and "qd" =
// small's networks trained with qd's recipe (training_defaults). Throws std::invalid_argument
// listing the names.
Arch parse_arch(const std::string& name, bool* conditional = nullptr);
std::string arch_name(Arch arch);
std::vector<std::string> arch_names();  // every name parse_arch accepts

// Whether `arch` can be built for `shape`: every preset draws 28x28 and 2^k x 2^k images from 16
// to 256 (tf-dcgan and superdeep: sides divisible by 4 from 16 to 256), of any channel count.
// Throws std::invalid_argument saying which sides the preset draws.
void check_image_shape(Arch arch, const ImageShape& shape);

// resnet's width on a CPU: docs/training.md measures it against its step time.
inline constexpr int64_t kDefaultResnetWidth = 32;

// What both networks of a model are built from.
struct ModelConfig {
  Arch arch = Arch::kKerasDcgan;
  int64_t latent_dim = 100;
  int64_t classes = 0;  // > 0: conditional on that many categories (one-hot labels)
  ImageShape image;     // of the data it learns from
  // resnet: the channels of the generator's last block and the discriminator's first.
  int64_t width = kDefaultResnetWidth;

  bool conditional() const { return classes > 0; }
};

// The model of a run: `arch` as --arch names it ("cdcgan" is conditional keras-dcgan), on data
// with `categories` categories of `image`-shaped images (checked with check_image_shape);
// `width` is resnet's (ModelConfig::width).
ModelConfig model_config(const std::string& arch, bool conditional, int64_t latent_dim,
                         int64_t categories, const ImageShape& image, int64_t width);

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
  // qd's recipe; off in every other preset.
  std::string augment = "off";
  double ema_decay = 0.0;
  double r1 = 0.0;
  int64_t r1_every = 1;
  std::string loss = "bce";  // --loss's name
  bool spectral_norm = false;
};
TrainingDefaults training_defaults(const std::string& preset);  // --arch's name

}  // namespace qd::train
