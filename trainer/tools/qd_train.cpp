// qd_train: trains a DCGAN (or a conditional one) on Quick, Draw! images with LibTorch.

#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "qd/trainer/dataset.h"
#include "qd/trainer/networks.h"
#include "qd/trainer/presets.h"
#include "qd/trainer/run_directory.h"
#include "qd/trainer/summary.h"
#include "qd/trainer/training_run.h"

namespace po = boost::program_options;
using qd::train::TrainOptions;

namespace {

enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2, kInterrupted = 3 };

std::atomic<bool> g_stop{false};

void request_stop(int /*signal*/) {
  g_stop = true;
}

// Ctrl-C or SIGTERM once: checkpoint and exit. A second one kills at once (SA_RESETHAND).
void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = request_stop;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

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
    "Trains a GAN on 28x28 Quick, Draw! images with LibTorch and keeps everything about the run\n"
    "in --out: config.json (every option, the data's manifests, versions), metrics.csv,\n"
    "samples/epoch-NNNN.png (a fixed-noise grid per epoch; conditional: a row per category),\n"
    "samples/real.png, progress.gif, loss.png and checkpoints/step-NNNNNNNN.pt. DATA is a shard\n"
    "directory written by qd_prepare (data/cat), a parent of several (data/), or a uint8 .npy\n"
    "file shaped [N,784], [N,1,784] or [N,28,28] such as Google's numpy_bitmap files; each\n"
    "directory or file is one category. Every input is checked before training starts.\n\n"
    "--resume continues the run in --out from its latest checkpoint up to --epochs (the run's\n"
    "total), exactly as if it had not stopped; its saved options are used, and only --epochs,\n"
    "--shards (same images), --device, --threads, --workers, --checkpoint-every,\n"
    "--keep-checkpoints, --log-every and the speed options may be given again. Ctrl-C or SIGTERM\n"
    "writes a checkpoint and exits with 3; a second Ctrl-C stops at once.\n\n"
    "Speed options (on a GPU; each can be switched off to measure it): --data-on-device,\n"
    "--cudnn-benchmark, --channels-last, --bf16, --cuda-graph. On the CPU only --channels-last\n"
    "and --bf16 apply; --cuda-graph needs a CUDA build and --device cuda.\n\n"
    "Exit codes: 0 trained up to --epochs (or --summary printed), 1 failed (bad or inconsistent\n"
    "data, unreadable checkpoint, I/O error), 2 usage error (bad option; --out holds another run\n"
    "and --resume was not given; --resume without a run), 3 interrupted, checkpoint written.\n\n"
    "Options";

struct ParsedCommandLine {
  TrainOptions options;
  bool summary = false;
};

bool given(const po::variables_map& vm, const char* name) {
  return vm.count(name) != 0U && !vm[name].defaulted();
}

// Keeps the saved run's options, except those that may change between sessions.
std::optional<TrainOptions> merge_for_resume(const TrainOptions& cli, const po::variables_map& vm) {
  TrainOptions o = qd::train::read_run_config(cli.out).options;
  for (const char* fixed : {"split", "arch", "conditional", "batch-size", "latent-dim", "lr",
                            "lr-g", "lr-d", "beta1", "beta2", "label-smoothing", "label-noise",
                            "instance-noise", "instance-noise-steps", "ema-decay", "seed"}) {
    if (given(vm, fixed)) {
      std::cerr << "qd_train: --" << fixed
                << " cannot change when resuming (config.json keeps the run's value)\n";
      return std::nullopt;
    }
  }
  o.resume = true;
  o.out = cli.out;
  if (given(vm, "shards")) o.shards = cli.shards;
  if (given(vm, "epochs")) o.epochs = cli.epochs;
  if (given(vm, "device")) o.device = cli.device;
  if (given(vm, "threads")) o.threads = cli.threads;
  if (given(vm, "workers")) o.workers = cli.workers;
  if (given(vm, "checkpoint-every")) o.checkpoint_every = cli.checkpoint_every;
  if (given(vm, "keep-checkpoints")) o.keep_checkpoints = cli.keep_checkpoints;
  if (given(vm, "log-every")) o.log_every = cli.log_every;
  if (given(vm, "data-on-device")) o.data_on_device = cli.data_on_device;
  if (given(vm, "cudnn-benchmark")) o.fast.cudnn_benchmark = cli.fast.cudnn_benchmark;
  if (given(vm, "channels-last")) o.fast.channels_last = cli.fast.channels_last;
  if (given(vm, "bf16")) o.fast.bf16 = cli.fast.bf16;
  if (given(vm, "cuda-graph")) o.fast.cuda_graph = cli.fast.cuda_graph;
  return o;
}

// "on" or "off" (also true/false, yes/no, 1/0) for the switches that default either way.
bool parse_on_off(const std::string& option, const std::string& value) {
  if (value == "on" || value == "true" || value == "yes" || value == "1") return true;
  if (value == "off" || value == "false" || value == "no" || value == "0") return false;
  throw po::validation_error(po::validation_error::invalid_option_value, option, value);
}

std::optional<ParsedCommandLine> parse_command_line(int argc, char** argv) {
  ParsedCommandLine parsed;
  TrainOptions& o = parsed.options;
  std::vector<std::string> shards;
  double lr = 0;
  std::string archs;
  for (const auto& n : qd::train::arch_names()) archs += (archs.empty() ? "" : ", ") + n;

  po::options_description visible(kUsageText);
  auto add = visible.add_options();
  add("help,h", "show this help and exit");
  add("shards,s", po::value(&shards)->multitoken(),
      "input data, repeatable and/or comma-separated: shard directories, parents of several, "
      ".npy files");
  add("split", po::value(&o.split)->default_value("train"),
      "which shards of qd_prepare directories: train, val or all");
  add("out,o", po::value(&o.out), "the run directory (created; must not hold another run)");
  add("resume", po::bool_switch(&o.resume), "continue the run in --out from its last checkpoint");
  add("arch,a", po::value(&o.arch)->default_value("keras-dcgan"),
      ("model preset: " + archs + " (cdcgan = conditional keras-dcgan)").c_str());
  add("conditional", po::bool_switch(&o.conditional),
      "condition both networks on the category (one category per input)");
  add("summary", po::bool_switch(&parsed.summary),
      "print the layer tables of both networks and exit");
  add("epochs,e", po::value(&o.epochs)->default_value(25), "epochs in the whole run");
  add("batch-size,b", po::value(&o.batch_size), "images per step [default: 16 for small, else 64]");
  add("latent-dim", po::value(&o.latent_dim)->default_value(100), "size of the noise vector");
  add("lr", po::value(&lr), "learning rate of both optimizers (Adam) [default: 2e-4]");
  add("lr-g", po::value(&o.lr_g), "the generator's learning rate (overrides --lr)");
  add("lr-d", po::value(&o.lr_d), "the discriminator's learning rate (overrides --lr)");
  add("beta1", po::value(&o.beta1), "Adam's beta1 [default: 0.5]");
  add("beta2", po::value(&o.beta2), "Adam's beta2 [default: 0.999]");
  add("label-smoothing", po::value(&o.label_smoothing),
      "one-sided: D's target for real images is 1 - this [default: 0.1 for small (as "
      "pytorch/examples), else 0]");
  add("label-noise", po::value(&o.label_noise)->default_value(0.0, "0"),
      "probability of flipping each of D's targets (e.g. 0.05)");
  add("instance-noise", po::value(&o.instance_noise)->default_value(0.0, "0"),
      "std-dev of Gaussian noise added to D's inputs (real and fake), decaying linearly to 0 "
      "(e.g. 0.1)");
  add("instance-noise-steps", po::value(&o.instance_noise_steps)->default_value(1000),
      "the step at which the instance noise reaches 0");
  add("ema-decay", po::value(&o.ema_decay)->default_value(0.0, "0"),
      "> 0: sample from an exponential moving average of the generator's weights with this "
      "decay per step (e.g. 0.999); grids and qd_sample draw from it");
  add("seed", po::value(&o.seed)->default_value(0),
      "seeds weights, noise, dropout and the data order");
  add("device", po::value(&o.device)->default_value("auto"),
      "auto (CUDA when available), cpu or cuda");
  add("threads,j", po::value(&o.threads)->default_value(0), "CPU threads for torch (0: all cores)");
  add("workers", po::value(&o.workers)->default_value(2), "loader threads assembling batches");
  add("checkpoint-every", po::value(&o.checkpoint_every)->default_value(500),
      "steps between checkpoints (one is also written at the end and on Ctrl-C)");
  add("keep-checkpoints", po::value(&o.keep_checkpoints)->default_value(3),
      "how many of the newest checkpoints to keep");
  add("log-every", po::value(&o.log_every)->default_value(50),
      "steps per row of metrics.csv (the only time a step waits for the device)");
  std::string cudnn_benchmark, channels_last, bf16, cuda_graph;
  add("data-on-device", po::value(&o.data_on_device)->default_value("auto"),
      "auto, on or off: the whole dataset in the device's memory, batches gathered there (auto: "
      "on CUDA when it takes at most a quarter of the free memory), else the prefetching loader");
  add("cudnn-benchmark", po::value(&cudnn_benchmark)->default_value("on"),
      "on or off: let cuDNN time its algorithms for the step's shapes (CUDA)");
  add("channels-last", po::value(&channels_last)->default_value("off"),
      "on or off: NHWC weights and images");
  add("bf16", po::value(&bf16)->default_value("off"),
      "on or off: bfloat16 autocast of the forward passes (losses and optimizers in float32)");
  add("cuda-graph", po::value(&cuda_graph)->default_value("off"),
      "on or off: capture the whole step (both networks, both optimizers) in a CUDA graph after "
      "3 eager steps and replay it");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, visible), vm);
    po::notify(vm);
    o.fast.cudnn_benchmark = parse_on_off("cudnn-benchmark", cudnn_benchmark);
    o.fast.channels_last = parse_on_off("channels-last", channels_last);
    o.fast.bf16 = parse_on_off("bf16", bf16);
    o.fast.cuda_graph = parse_on_off("cuda-graph", cuda_graph);
  } catch (const po::error& e) {
    std::cerr << "qd_train: " << e.what() << "\nTry 'qd_train --help'.\n";
    return std::nullopt;
  }
  if (vm.count("help") != 0U) {
    std::cout << visible << "\n";
    std::exit(kOk);
  }
  o.shards = split_commas(shards);
  qd::train::TrainingDefaults defaults;
  try {
    defaults = qd::train::training_defaults(qd::train::parse_arch(o.arch));
  } catch (const std::invalid_argument& e) {
    std::cerr << "qd_train: --arch: " << e.what() << "\n";
    return std::nullopt;
  }
  if (vm.count("lr") == 0U) lr = defaults.lr;
  if (vm.count("lr-g") == 0U) o.lr_g = lr;
  if (vm.count("lr-d") == 0U) o.lr_d = lr;
  if (vm.count("beta1") == 0U) o.beta1 = defaults.beta1;
  if (vm.count("beta2") == 0U) o.beta2 = defaults.beta2;
  if (vm.count("label-smoothing") == 0U) o.label_smoothing = defaults.label_smoothing;
  if (vm.count("batch-size") == 0U) o.batch_size = defaults.batch_size;
  if (parsed.summary) return parsed;
  if (o.out.empty()) {
    std::cerr << "qd_train: --out is required\nTry 'qd_train --help'.\n";
    return std::nullopt;
  }
  if (o.resume) {
    auto merged = merge_for_resume(o, vm);
    if (!merged) return std::nullopt;
    o = *merged;
  } else if (o.shards.empty()) {
    std::cerr << "qd_train: --shards is required\nTry 'qd_train --help'.\n";
    return std::nullopt;
  }
  if (o.epochs < 1 || o.batch_size < 1 || o.latent_dim < 1 || o.lr_g <= 0 || o.lr_d <= 0 ||
      o.beta1 < 0 || o.beta1 >= 1 || o.beta2 < 0 || o.beta2 >= 1 || o.label_smoothing < 0 ||
      o.label_smoothing >= 0.5 || o.label_noise < 0 || o.label_noise >= 0.5 ||
      o.instance_noise < 0 || o.instance_noise_steps < 1 || o.ema_decay < 0 || o.ema_decay >= 1 ||
      o.threads < 0 || o.workers < 1 || o.checkpoint_every < 1 || o.keep_checkpoints < 1 ||
      o.log_every < 1) {
    std::cerr
        << "qd_train: out of range: need --epochs, --batch-size, --latent-dim, --workers, "
           "--checkpoint-every, --keep-checkpoints, --log-every >= 1; learning rates > 0; "
           "0 <= --beta1, --beta2, --ema-decay < 1; 0 <= --label-smoothing, --label-noise < 0.5; "
           "--instance-noise, --threads >= 0\n";
    return std::nullopt;
  }
  if (o.split != "train" && o.split != "val" && o.split != "all") {
    std::cerr << "qd_train: --split must be train, val or all\n";
    return std::nullopt;
  }
  if (o.data_on_device != "auto" && o.data_on_device != "on" && o.data_on_device != "off") {
    std::cerr << "qd_train: --data-on-device must be auto, on or off\n";
    return std::nullopt;
  }
  return parsed;
}

int print_summary(const TrainOptions& o) {
  int64_t categories = 1;
  if (!o.shards.empty()) {
    qd::train::DatasetOptions data_options;
    data_options.split = o.split;
    categories =
        static_cast<int64_t>(qd::train::Dataset::open(o.shards, data_options).categories().size());
  }
  const auto model = qd::train::model_config(o.arch, o.conditional, o.latent_dim, categories);
  if (model.conditional() && o.shards.empty()) {
    std::cerr << "qd_train: a conditional --summary needs --shards (the number of categories)\n";
    return kUsage;
  }
  auto g = qd::train::make_generator(model);
  auto d = qd::train::make_discriminator(model);
  std::cout << qd::train::layer_summary(g, "generator", {model.latent_dim}) << "\n"
            << qd::train::layer_summary(d, "discriminator", {1, model.side, model.side});
  return kOk;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto parsed = parse_command_line(argc, argv);
    if (!parsed) return kUsage;
    if (parsed->summary) return print_summary(parsed->options);
    install_stop_handlers();
    const auto outcome =
        qd::train::run_training(parsed->options, g_stop, std::cout, isatty(STDOUT_FILENO) != 0);
    return outcome == qd::train::RunOutcome::kCompleted ? kOk : kInterrupted;
  } catch (const qd::train::RunDirectoryError& e) {
    std::cerr << "qd_train: " << e.what() << "\n";
    return kUsage;
  } catch (const std::invalid_argument& e) {
    std::cerr << "qd_train: " << e.what() << "\n";
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "qd_train: " << e.what() << "\n";
    return kFailed;
  }
}
