// qd_train: trains a DCGAN (or a conditional one) on Quick, Draw! images with LibTorch.

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/data/dataset.h"
#include "qd/model/networks.h"
#include "qd/model/presets.h"
#include "qd/model/summary.h"
#include "qd/run/run_directory.h"
#include "qd/run/train_options.h"
#include "qd/run/training_run.h"
#include "qd/step/device.h"

namespace {

namespace cli = qd::cli;
namespace po = cli::po;
using qd::train::TrainOptions;

// --shards a,b --shards c -> {a, b, c}, as absolute paths: config.json keeps them, and
// --resume, qd_score and cron jobs may start from another directory.
std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    size_t start = 0;
    while (start <= v.size()) {
      const size_t comma = std::min(v.find(',', start), v.size());
      if (comma > start) {
        out.push_back(
            std::filesystem::absolute(v.substr(start, comma - start)).lexically_normal().string());
      }
      start = comma + 1;
    }
  }
  return out;
}

const char* const kUsageText =
    "Usage: qd_train --shards DATA[,DATA...] --out runs/NAME [options]\n"
    "       qd_train --out runs/NAME --resume [--epochs N]\n"
    "       qd_train --summary [--arch NAME] [--conditional --shards DATA]\n\n"
    "Trains a GAN with LibTorch on 28x28 Quick, Draw! images, or on other grey or colour\n"
    "images, and keeps everything about the run in --out: config.json (every option, the\n"
    "data's manifests, versions), metrics.csv, samples/epoch-NNNN.png (a fixed-noise grid per\n"
    "epoch; conditional: a row per category), samples/real.png, progress.gif, loss.png and\n"
    "checkpoints/step-NNNNNNNN.pt. DATA is a shard directory written by qd_prepare (data/cat),\n"
    "a parent of several (data/), or a uint8 .npy file shaped [N,784], [N,1,784], [N,S,S] or\n"
    "[N,S,S,3] such as Google's numpy_bitmap files: each directory or file one category. It may\n"
    "also be, recognised by its content, gzipped or not: an IDX images file (MNIST's\n"
    "train-images-idx3-ubyte[.gz], labels read from train-labels-idx1-ubyte[.gz] beside it), a\n"
    "CIFAR-10 binary file or folder (cifar-10-batches-bin/: its data_batch_*.bin), or a folder\n"
    "of PNGs with one sub-folder per class; each of their classes is a category (--classes\n"
    "chooses, --class-names names IDX/CIFAR-10 labels). Every preset draws 28x28 and 32x32\n"
    "(and 16, 64 ... 256) images in grey or RGB. Every input is checked before training starts.\n\n"
    "With --classifier (e.g. ../shared/quickdraw/models/doodlenet) the run measures its\n"
    "drawings every --eval-every epochs as qd_score does (FID, KID, precision/recall and top-1\n"
    "against the run's real images, beside the real-vs-real floor, from fixed noise; with\n"
    "held-out images, --holdout N or a val split, also qd_score's memorisation check in its\n"
    "features: ratio and copies), appends them to quality.csv, draws quality.png, and keeps\n"
    "the checkpoint with the best FID as checkpoints/best.pt (qd_sample/qd_score --checkpoint\n"
    "best). report.html shows it all.\n\n"
    "--resume continues the run in --out from its latest checkpoint up to --epochs (the run's\n"
    "total), exactly as if it had not stopped; its saved options are used. Checkpoints are\n"
    "verified first (every record's CRC-32): a corrupt latest one is passed over for the newest\n"
    "that verifies, saying so on stderr; none verifying is an error. The command that\n"
    "started the run may be repeated with --resume: only --epochs, --shards (same images),\n"
    "--device, --threads, --workers, --checkpoint-every, --keep-checkpoints, --log-every,\n"
    "--eval-every and the speed options may take new values; any other option given with\n"
    "another value than the run's is refused, naming it. Ctrl-C or SIGTERM writes a checkpoint\n"
    "and exits with 130; a second Ctrl-C stops at once.\n\n"
    "Speed options (on a GPU; each can be switched off to measure it): --data-on-device,\n"
    "--cudnn-benchmark, --channels-last, --bf16, --cuda-graph. On the CPU only --channels-last\n"
    "and --bf16 apply; --cuda-graph needs a CUDA build and --device cuda.\n\n"
    "Exit codes: 0 trained up to --epochs (or --summary printed), 1 failed (bad or inconsistent\n"
    "data, no checkpoint of a run that verifies, unreadable checkpoint, I/O error), 2 usage\n"
    "error (bad option; --out holds another run and --resume was not given; --resume without a\n"
    "run), 130 interrupted, checkpoint written.\n\n"
    "Options";

struct ParsedCommandLine {
  TrainOptions options;
  std::optional<qd::train::SavedRun> saved;  // --resume: the run's config.json, read once
  bool summary = false;
};

// Options whose default depends on --arch (qd::train::training_defaults): shown without one.
bool preset_default(std::string_view key) {
  return key == "batch_size" || key == "lr_g" || key == "lr_d" || key == "beta1" ||
         key == "beta2" || key == "label_smoothing" || key == "augment" || key == "ema_decay" ||
         key == "r1" || key == "r1_every" || key == "loss" || key == "spectral_norm";
}

const char* short_name(std::string_view key) {
  if (key == "shards") return "s";
  if (key == "arch") return "a";
  if (key == "epochs") return "e";
  if (key == "batch_size") return "b";
  if (key == "threads") return "j";
  return nullptr;
}

// qd_train's options, declared from the one list of the run's fields (visit_run_fields): plain
// values with their defaults shown, enums and on/off switches parsed at the command line.
void add_run_fields(po::options_description& options, TrainOptions& o,
                    std::vector<std::string>& shards) {
  std::string archs;
  for (const auto& n : qd::train::arch_names()) archs += (archs.empty() ? "" : ", ") + n;
  qd::train::visit_run_fields(
      [&](const char* key, qd::train::OnResume, const char* help_text, const auto& range,
          auto& field) {
        using T = std::decay_t<decltype(field)>;
        const std::string_view k(key);
        std::string name = qd::train::option_name(key);
        if (const char* s = short_name(k)) name += std::string(",") + s;
        std::string help = help_text;
        if (k == "arch") {
          help = "model preset: " + archs +
                 " (cdcgan = conditional keras-dcgan; resnet = SNGAN's residual networks, "
                 "conditional batch norm and a projection discriminator when --conditional, "
                 "hinge loss, --width channels; qd = small's networks with qd's recipe, "
                 "the best drawings on a CPU: --augment flip,translation,cutout --ema-decay "
                 "0.999 --r1 0.1 --r1-every 16)";
        }
        const auto add = [&](const po::value_semantic* semantic) {
          options.add_options()(name.c_str(), semantic, help.c_str());
        };
        // A name or switch parsed at the command line, its default shown unless the preset
        // chooses it (the help text says how).
        const auto add_parsed = [&](auto parse) {
          if (!preset_default(k)) {
            add(cli::parsed_value<T>(&field, qd::train::option_text(field), parse));
          } else {
            add(po::value<std::string>()->notifier(
                [&field, parse](const std::string& text) { field = parse(text); }));
          }
        };
        if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          add(po::value(&shards)->multitoken());
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (const std::string accepted = range.describe(); !accepted.empty()) {
            help += " (" + accepted + ")";
          }
          if (field.empty() || preset_default(k)) {
            add(po::value(&field));
          } else {
            cli::add_value(options, name, field, help);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          if (k == "conditional") {
            add(po::bool_switch(&field));
          } else {
            add_parsed(cli::parse_on_off);
          }
        } else if constexpr (std::is_same_v<T, qd::SplitSelection>) {
          add(cli::parsed_value<T>(&field, qd::to_string(field), qd::parse_split_selection));
        } else if constexpr (std::is_same_v<T, qd::train::DeviceChoice>) {
          add(cli::parsed_value<T>(&field, qd::train::to_string(field),
                                   qd::train::parse_device_choice));
        } else if constexpr (std::is_same_v<T, qd::train::DataOnDevice>) {
          add(cli::parsed_value<T>(&field, qd::train::to_string(field),
                                   qd::train::parse_data_on_device));
        } else if constexpr (std::is_same_v<T, qd::train::GanLoss>) {
          add_parsed(qd::train::parse_gan_loss);
        } else if (preset_default(k)) {
          help += " (" + range.describe() + ")";
          add(cli::ranged_value(field, range, "--" + qd::train::option_name(key)));
        } else {
          cli::add_value(options, name, field, help, range);
        }
      },
      o);
}

// More torch threads than the cores this process may use only wait for each other (--threads
// 1000 on 2 cores: not one step in 150 s). Capped rather than refused: a run resumed on a
// smaller machine keeps going.
void cap_threads(TrainOptions& o) {
  const int cores = qd::train::usable_cores();
  if (o.threads <= cores) return;
  std::cerr << "qd_train: --threads " << o.threads << " is more than the " << cores
            << " cores this process may use; using " << cores << "\n";
  o.threads = cores;
}

ParsedCommandLine parse_command_line(int argc, char** argv) {
  ParsedCommandLine parsed;
  TrainOptions& o = parsed.options;
  qd::train::TrainSettings& s = o.step;
  std::vector<std::string> shards;
  double lr = 0;
  cli::CommandLine command_line(kUsageText);
  auto add = command_line.visible.add_options();
  add("out,o", po::value(&o.out), "the run directory (created; must not hold another run)");
  add("resume", po::bool_switch(&o.resume), "continue the run in --out from its last checkpoint");
  add("summary", po::bool_switch(&parsed.summary),
      "print the layer tables of both networks and exit");
  add("lr", cli::ranged_value(lr, qd::train::kLearningRate, "--lr"),
      ("learning rate of both optimizers (Adam) [default: 2e-4] (" +
       qd::train::kLearningRate.describe() + ")")
          .c_str());
  add_run_fields(command_line.visible, o, shards);
  const po::variables_map vm = cli::parse_or_exit(argc, argv, command_line);

  o.shards = split_commas(shards);
  // Absolute, as --shards: config.json keeps them for --resume and qd_score from anywhere.
  for (std::string* path : {&o.classifier, &o.class_names}) {
    if (!path->empty()) *path = std::filesystem::absolute(*path).lexically_normal().string();
  }
  const auto given = [&vm](const std::string& option) {
    const bool by_lr = (option == "lr-g" || option == "lr-d") && cli::given(vm, "lr");
    return cli::given(vm, option.c_str()) || by_lr;
  };
  // Per-preset defaults, where the command line does not say otherwise.
  const auto defaults = qd::train::training_defaults(o.arch);
  if (!cli::given(vm, "lr")) lr = defaults.lr;
  if (!cli::given(vm, "lr-g")) s.lr_g = lr;
  if (!cli::given(vm, "lr-d")) s.lr_d = lr;
  if (!cli::given(vm, "beta1")) s.beta1 = defaults.beta1;
  if (!cli::given(vm, "beta2")) s.beta2 = defaults.beta2;
  if (!cli::given(vm, "loss")) s.loss = qd::train::parse_gan_loss(defaults.loss);
  if (!cli::given(vm, "spectral-norm")) s.spectral_norm = defaults.spectral_norm;
  // A preset's smoothed BCE targets: hinge has no targets.
  if (!cli::given(vm, "label-smoothing")) {
    s.label_smoothing = s.loss == qd::train::GanLoss::kBce ? defaults.label_smoothing : 0;
  }
  if (!cli::given(vm, "batch-size")) o.batch_size = defaults.batch_size;
  if (!cli::given(vm, "augment")) s.augment = defaults.augment;
  if (!cli::given(vm, "ema-decay")) s.ema_decay = defaults.ema_decay;
  if (!cli::given(vm, "r1")) s.r1 = defaults.r1;
  if (!cli::given(vm, "r1-every")) s.r1_every = defaults.r1_every;
  if (parsed.summary) return parsed;

  if (o.out.empty()) throw cli::UsageError("--out is required");
  if (o.resume) {
    parsed.saved = qd::train::read_run_config(o.out);
    o = qd::train::resumed_options(parsed.saved->options, o, given);
  } else if (o.shards.empty()) {
    throw cli::UsageError("--shards is required");
  }
  try {
    qd::train::check_options(o);
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(e.what());
  }
  cap_threads(o);
  return parsed;
}

int print_summary(const TrainOptions& o) {
  int64_t categories = 1;
  qd::train::ImageShape image;  // 28x28 grey without --shards
  if (!o.shards.empty()) {
    const auto data = qd::train::Dataset::open(o.shards, qd::train::dataset_options(o));
    categories = static_cast<int64_t>(data.categories().size());
    image = data.shape();
  }
  const auto model = qd::train::model_config(o, categories, image);
  if (model.conditional() && o.shards.empty()) {
    throw cli::UsageError("a conditional --summary needs --shards (the number of categories)");
  }
  auto g = qd::train::make_generator(model);
  auto d = qd::train::make_discriminator(model);
  std::cout << qd::train::layer_summary(g, "generator", {model.latent_dim}) << "\n"
            << qd::train::layer_summary(d, "discriminator",
                                        {model.image.channels, model.image.side, model.image.side});
  return cli::kOk;
}

int run(int argc, char** argv) {
  const ParsedCommandLine parsed = parse_command_line(argc, argv);
  if (parsed.summary) return print_summary(parsed.options);
  const auto outcome =
      qd::train::run_training(parsed.options, parsed.saved ? &*parsed.saved : nullptr,
                              cli::stop_requested(), std::cout, isatty(STDOUT_FILENO) != 0);
  return outcome == qd::train::RunOutcome::kCompleted ? cli::kOk : cli::kInterrupted;
}

// How LibTorch's OpenMP threads wait when a parallel region ends decides qd_train's speed on a
// CPU: a step of `small` is some 200 regions of a millisecond or less. GOMP's default spin (about
// 3 ms) keeps cores that others need and collapses beside busy processes (an epoch on 2 cores
// beside two: 78 s); passive waits wake a sleeping thread for every region (idle: 8.7 s). A spin
// of 1,000 rounds (about 10 us) reaches the next region and gives the core up soon otherwise
// (5.9 s idle, 18.9 s beside two; docs/training.md, "Speed"). libgomp reads its variables once,
// when it is loaded, before main: so unless the user chose a policy, qd_train starts itself
// again (same pid, same arguments) with the spin set.
void use_short_openmp_spins(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) return;
  ::setenv("GOMP_SPINCOUNT", "1000", 1);
  ::execv("/proc/self/exe", argv);  // if that fails, train with GOMP's default waits
}

// Each step frees and allocates the same activations again. glibc hands blocks above its
// (adaptive) threshold back to the kernel and trims the heap's top, so they come back as fresh
// page faults every step: half of qd_train's system time. Fixed thresholds keep them in the
// heap (`small`: about 4% faster, resident memory unchanged).
void keep_freed_memory_in_heap() {
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace

int main(int argc, char** argv) {
  use_short_openmp_spins(argv);
  keep_freed_memory_in_heap();
  return cli::run_main("qd_train", [&] { return run(argc, argv); });
}
