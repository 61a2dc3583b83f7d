// qd_sample: draws images from the generator of a qd_train run.

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "qd/pipeline/npy.h"
#include "qd/trainer/reports.h"
#include "qd/trainer/run_directory.h"
#include "qd/trainer/sampler.h"

namespace po = boost::program_options;

namespace {

enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2 };

struct Options {
  std::string run;
  std::string grid;
  std::string npy;
  int columns = 8;
  int scale = 2;
  qd::train::SampleRequest request;
};

std::optional<Options> parse_command_line(int argc, char** argv) {
  Options o;
  po::options_description visible(
      "Usage: qd_sample --run runs/NAME [--grid samples.png] [--npy samples.npy] [options]\n\n"
      "Draws --count images from the generator of the qd_train run in --run (its latest\n"
      "checkpoint, or --checkpoint), with noise from --seed. --npy writes them as uint8\n"
      "[N, 28, 28], 255 = ink, the layout of qd_prepare's shards; --grid as a PNG grid, ink dark\n"
      "on white. For a conditional run, --category draws that category only; without it the\n"
      "categories take turns (image i is category i mod the number of categories).\n\n"
      "Exit codes: 0 written, 1 failed (no run or checkpoint, unreadable checkpoint, I/O\n"
      "error), 2 usage error (bad option, unknown --category, no output asked for).\n\nOptions");
  auto add = visible.add_options();
  add("help,h", "show this help and exit");
  add("run,r", po::value(&o.run), "the run directory written by qd_train --out");
  add("count,n", po::value(&o.request.count)->default_value(64), "how many images");
  add("grid,g", po::value(&o.grid), "write the images as a PNG grid");
  add("npy", po::value(&o.npy), "write the images as an .npy file, uint8 [N, 28, 28]");
  add("category,c", po::value(&o.request.category), "conditional runs: the category to draw");
  add("seed", po::value(&o.request.seed)->default_value(0), "seed of the noise");
  add("checkpoint", po::value(&o.request.checkpoint),
      "a checkpoint file of the run (default: the latest in <run>/checkpoints/)");
  add("last-weights", po::bool_switch(&o.request.last_weights),
      "runs trained with --ema-decay: draw from the generator's last weights, not their average");
  add("columns", po::value(&o.columns)->default_value(8), "images per row of the grid");
  add("scale", po::value(&o.scale)->default_value(2), "grid pixels per image pixel");
  add("device", po::value(&o.request.device)->default_value("auto"), "auto, cpu or cuda");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, visible), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "qd_sample: " << e.what() << "\nTry 'qd_sample --help'.\n";
    return std::nullopt;
  }
  if (vm.count("help") != 0U) {
    std::cout << visible << "\n";
    std::exit(kOk);
  }
  if (o.run.empty() || (o.grid.empty() && o.npy.empty())) {
    std::cerr << "qd_sample: need --run and at least one of --grid, --npy\n"
                 "Try 'qd_sample --help'.\n";
    return std::nullopt;
  }
  if (o.request.count < 1 || o.columns < 1 || o.scale < 1) {
    std::cerr << "qd_sample: --count, --columns and --scale must be >= 1\n";
    return std::nullopt;
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const auto o = parse_command_line(argc, argv);
  if (!o) return kUsage;
  try {
    const torch::Tensor images = qd::train::sample_run(o->run, o->request);
    const auto side = static_cast<uint64_t>(images.size(1));
    if (!o->npy.empty()) {
      qd::NpyWriter npy(o->npy, "|u1", {side, side});
      npy.append(images.data_ptr<uint8_t>(), static_cast<uint64_t>(images.size(0)));
      npy.commit();
    }
    if (!o->grid.empty()) {
      qd::train::write_sample_grid(o->grid, images.data_ptr<uint8_t>(), images.size(0),
                                   static_cast<int>(side), o->columns, o->scale);
    }
    return kOk;
  } catch (const qd::train::RunDirectoryError& e) {
    std::cerr << "qd_sample: " << e.what() << "\n";
    return kFailed;
  } catch (const std::invalid_argument& e) {
    std::cerr << "qd_sample: " << e.what() << "\n";
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "qd_sample: " << e.what() << "\n";
    return kFailed;
  }
}
