#include "qd/run/train_options.h"

#include <array>
#include <sstream>
#include <stdexcept>

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

DatasetOptions dataset_options(const TrainOptions& o) {
  DatasetOptions d;
  d.split = o.split;
  d.classes = o.classes;
  d.class_names = o.class_names;
  return d;
}

void check_options(const TrainOptions& o) {
  const TrainSettings& s = o.step;
  std::string bad;
  const auto need = [&](bool ok, const char* what) {
    if (!ok) bad += std::string(bad.empty() ? "" : "; ") + what;
  };
  need(o.epochs >= 1, "--epochs >= 1");
  need(o.batch_size >= 1, "--batch-size >= 1");
  need(o.latent_dim >= 1, "--latent-dim >= 1");
  need(s.lr_g > 0 && s.lr_d > 0, "learning rates > 0");
  need(s.beta1 >= 0 && s.beta1 < 1 && s.beta2 >= 0 && s.beta2 < 1, "0 <= --beta1, --beta2 < 1");
  need(s.label_smoothing >= 0 && s.label_smoothing < 0.5, "0 <= --label-smoothing < 0.5");
  need(s.label_noise >= 0 && s.label_noise < 0.5, "0 <= --label-noise < 0.5");
  need(s.instance_noise >= 0, "--instance-noise >= 0");
  need(s.instance_noise_steps >= 1, "--instance-noise-steps >= 1");
  need(s.ema_decay >= 0 && s.ema_decay < 1, "0 <= --ema-decay < 1");
  need(o.threads >= 0, "--threads >= 0");
  need(o.workers >= 1, "--workers >= 1");
  need(o.checkpoint_every >= 1, "--checkpoint-every >= 1");
  need(o.keep_checkpoints >= 1, "--keep-checkpoints >= 1");
  need(o.log_every >= 1, "--log-every >= 1");
  need(o.eval_every >= 1, "--eval-every >= 1");
  need(s.r1 >= 0, "--r1 >= 0");
  need(s.r1_every >= 1, "--r1-every >= 1");
  need(s.loss == GanLoss::kBce || (s.label_smoothing == 0 && s.label_noise == 0),
       "--label-smoothing and --label-noise 0 with --loss hinge (they are BCE's targets)");
  need(o.eval_count >= 20, "--eval-count >= 20");
  if (!bad.empty()) throw std::invalid_argument("out of range: need " + bad);
  parse_augment_policy(s.augment);  // throws, naming what it does not know
}

TrainOptions resumed_options(const TrainOptions& saved, const TrainOptions& command_line,
                             const std::function<bool(const std::string& option)>& given) {
  TrainOptions o = saved;
  std::string changed;
  visit_run_fields(
      [&](const char* key, OnResume on_resume, const char*, auto& kept, const auto& asked) {
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
