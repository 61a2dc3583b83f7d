#include "qd/run/train_options.h"

#include <array>
#include <sstream>
#include <stdexcept>

#include "qd/model/presets.h"
#include "qd/step/augment.h"
#include "qd/step/enum_names.h"

namespace qd::train {
namespace {

constexpr std::array<const char*, 3> kDataOnDeviceNames = {"auto", "on", "off"};

}  // namespace

const char* to_string(DataOnDevice mode) {
  return kDataOnDeviceNames[static_cast<size_t>(mode)];
}

DataOnDevice parse_data_on_device(std::string_view name) {
  return enum_of_name<DataOnDevice>(kDataOnDeviceNames, name, "--data-on-device");
}

std::string option_name(std::string_view key) {
  std::string name(key);
  for (char& c : name) {
    if (c == '_') c = '-';
  }
  return name;
}

ModelConfig model_config(const TrainOptions& o, int64_t categories, const ImageShape& image) {
  return model_config(o.arch, o.conditional, o.latent_dim, categories, image, o.width);
}

DatasetOptions dataset_options(const TrainOptions& o) {
  DatasetOptions d;
  d.split = o.split;
  d.holdout = o.holdout;
  d.classes = o.classes;
  d.class_names = o.class_names;
  return d;
}

std::optional<Dataset> open_held_out(const TrainOptions& o, std::string& why) {
  if (o.split != SplitSelection::kTrain) {
    why = std::string("the run trained on --split ") + to_string(o.split) +
          ": it has no held-out images";
    return std::nullopt;
  }
  DatasetOptions options = dataset_options(o);
  options.split = SplitSelection::kVal;
  try {
    return Dataset::open(o.shards, options);
  } catch (const DatasetError& e) {
    why = std::string("no held-out images (") + e.what() +
          "); .npy inputs need qd_train --holdout N, shard directories a val split";
    return std::nullopt;
  }
}

void check_options(const TrainOptions& o) {
  std::string bad;
  visit_run_fields(
      [&](const char* key, OnResume, const char*, const auto& range, const auto& value) {
        try {
          range.check("--" + option_name(key), value);
        } catch (const std::invalid_argument& e) {
          bad += std::string(bad.empty() ? "" : "; ") + e.what();
        }
      },
      o);
  const TrainSettings& s = o.step;
  if (s.loss == GanLoss::kHinge && (s.label_smoothing != 0 || s.label_noise != 0)) {
    bad += std::string(bad.empty() ? "" : "; ") +
           "--label-smoothing and --label-noise must be 0 with --loss hinge (they are BCE's "
           "targets)";
  }
  bool augmenting = true;  // an unknown transform is refused below, by its parser
  try {
    augmenting = parse_augment_policy(s.augment).any();
  } catch (const std::invalid_argument&) {
  }
  if (!augmenting && s.bcr > 0) {
    bad += std::string(bad.empty() ? "" : "; ") +
           "--bcr needs --augment (it compares D's logits on two augmentations of each image; "
           "--augment is off)";
  }
  if (!augmenting && s.augment_p == "auto") {
    bad += std::string(bad.empty() ? "" : "; ") +
           "--augment-p auto needs --augment (it adapts the probability of its transforms; "
           "--augment is off)";
  }
  const auto also = [&bad](const std::string& why) {
    bad += std::string(bad.empty() ? "" : "; ") + why;
  };
  // Each throws naming what it does not know (also when config.json was edited).
  const Arch arch = parse_arch(o.arch);
  if (arch == Arch::kResnet && !s.spectral_norm) {
    also(
        "--arch resnet's discriminator is spectrally normalised by design: --spectral-norm off "
        "is for the other presets");
  }
  if (arch != Arch::kResnet && o.width != kDefaultResnetWidth) {
    also("--width sets --arch resnet's channels; --arch " + o.arch + " has fixed ones");
  }
  if (!bad.empty()) throw std::invalid_argument(bad);
  parse_augment_policy(s.augment);
}

TrainOptions resumed_options(const TrainOptions& saved, const TrainOptions& command_line,
                             const std::function<bool(const std::string& option)>& given) {
  TrainOptions o = saved;
  std::string changed;
  visit_run_fields(
      [&](const char* key, OnResume on_resume, const char*, const auto&, auto& kept,
          const auto& asked) {
        const std::string option = option_name(key);
        if (!given(option)) return;
        if (on_resume == OnResume::kMayChange) {
          kept = asked;
        } else if (!(kept == asked)) {
          changed += std::string(changed.empty() ? "" : ", ") + "--" + option + " " +
                     option_text(asked) + " (the run has " + option_text(kept) + ")";
        }
      },
      o, command_line);
  if (!changed.empty()) {
    throw std::invalid_argument("cannot change when resuming: " + changed +
                                "; config.json keeps the run's values");
  }
  o.resume = true;
  o.out = command_line.out;
  return o;
}

}  // namespace qd::train
