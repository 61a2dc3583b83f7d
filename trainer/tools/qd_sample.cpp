// qd_sample: draws images from the generator of a qd_train run.

#include <string>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/report/reports.h"
#include "qd/run/run_directory.h"
#include "qd/store/npy.h"
#include "sample_flags.h"

namespace {

namespace cli = qd::cli;
namespace po = cli::po;

// What to draw, and where to put it.
struct Options {
  qd::train::SampleRequest request;
  int columns = 8;
  int scale = 2;
  std::string grid;
  std::string npy;
};

Options parse_command_line(int argc, char** argv) {
  Options o;
  cli::CommandLine command_line(
      "Usage: qd_sample --run runs/NAME [--grid samples.png] [--npy samples.npy] [options]\n\n"
      "Draws --count images from the generator of the qd_train run in --run (its latest\n"
      "checkpoint, or --checkpoint), with noise from --seed. --npy writes them as uint8\n"
      "[N, S, S] (grey; for Quick, Draw! runs 255 = ink, the layout of qd_prepare's shards) or\n"
      "[N, S, S, 3] (RGB); --grid as a PNG grid (Quick, Draw! ink dark on white; other images\n"
      "as they are). For a conditional run, --category draws that category only; without it the\n"
      "categories take turns (image i is category i mod the number of categories).\n\n"
      "Exit codes: 0 written, 1 failed (no checkpoint, unreadable checkpoint, I/O error),\n"
      "2 usage error (bad option, --run holds no run, unknown --category, no output asked for),\n"
      "130 interrupted (nothing written).\n\nOptions");
  qd::train::add_sample_flags(command_line.visible, o.request, "how many images");
  auto add = command_line.visible.add_options();
  add("grid,g", po::value(&o.grid), "write the images as a PNG grid");
  add("npy", po::value(&o.npy),
      "write the images as an .npy file, uint8 [N, S, S] (grey) or [N, S, S, 3] (RGB)");
  add("columns", po::value(&o.columns)->default_value(8), "images per row of the grid");
  add("scale", po::value(&o.scale)->default_value(2), "grid pixels per image pixel");
  cli::parse_or_exit(argc, argv, command_line);
  if (o.request.run.empty() || (o.grid.empty() && o.npy.empty())) {
    throw cli::UsageError("need --run and at least one of --grid, --npy");
  }
  if (o.request.count < 1 || o.columns < 1 || o.scale < 1) {
    throw cli::UsageError("--count, --columns and --scale must be >= 1");
  }
  return o;
}

int run(int argc, char** argv) {
  const Options o = parse_command_line(argc, argv);
  const torch::Tensor images = qd::train::sample_run(o.request, cli::stop_requested());
  // [N, S, S] or [N, S, S, C]: each image's shape follows the count.
  std::vector<uint64_t> shape(images.sizes().begin() + 1, images.sizes().end());
  const qd::train::ImageShape image{images.size(1), images.dim() == 4 ? images.size(3) : 1};
  if (!o.npy.empty()) {
    qd::NpyWriter npy(o.npy, "|u1", shape);
    npy.append(images.data_ptr<uint8_t>(), static_cast<uint64_t>(images.size(0)));
    npy.commit();
  }
  if (!o.grid.empty()) {
    qd::train::write_sample_grid(
        o.grid, images.data_ptr<uint8_t>(), static_cast<size_t>(images.size(0)),
        {image, qd::train::read_run_config(o.request.run).ink}, o.columns, o.scale);
  }
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("qd_sample", [&] { return run(argc, argv); });
}
