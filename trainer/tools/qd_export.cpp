// qd_export: a trained run's generator as an ONNX model, and a web page that draws with it.

#include <iostream>
#include <string>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/exporter/run_export.h"
#include "sample_flags.h"

namespace {

namespace cli = qd::cli;
namespace po = cli::po;

qd::train::ExportRequest parse_command_line(int argc, char** argv) {
  qd::train::ExportRequest r;
  r.ort_web = qd::train::kDefaultOrtWeb;
  cli::CommandLine command_line(
      "Usage: qd_export --run runs/NAME [--onnx generator.onnx] [--web DIR] [options]\n\n"
      "Exports the generator of the qd_train run in --run (its latest checkpoint, or\n"
      "--checkpoint; the averaged weights of a run trained with --ema-decay, as qd_sample\n"
      "draws, unless --last-weights).\n"
      "--onnx writes it as an ONNX model (opset 17) that gives what qd_sample --npy gives:\n"
      "  inputs  z float32 [N, latent]; label int64 [N] (conditional runs only)\n"
      "  output  images uint8 [N, S, S] (grey; Quick, Draw!: 255 = ink) or [N, S, S, 3]\n"
      "and its metadata: categories, image_shape, arch, latent_dim, qd_version (docs/export.md).\n"
      "--web DIR writes a static page drawing with it in the browser (ONNX Runtime Web,\n"
      "copied from --ort-web): a grid of --count drawings, first those of qd_sample --seed\n"
      "(and --category), new ones on demand, a category picker, truncation, a latent walk.\n"
      "Serve DIR with any static server: cd DIR && python3 -m http.server.\n"
      "--noise and --labels write the noise (and labels) qd_sample draws for --seed, --count\n"
      "and --category, to feed the ONNX model and compare with qd_sample --npy.\n\n"
      "Exit codes: 0 written, 1 failed (no checkpoint, unreadable checkpoint or one of another\n"
      "qd version, I/O error), 2 usage error (bad option, --run holds no run, unknown\n"
      "--category, --ort-web without ONNX Runtime Web, --web naming a directory of other\n"
      "files, nothing asked for), 130 interrupted (nothing half-written).\n\nOptions");
  qd::train::add_sample_flags(command_line.visible, r.sample,
                              "drawings on the page, and rows of --noise and --labels");
  auto add = command_line.visible.add_options();
  add("onnx", po::value(&r.onnx), "write the generator as an ONNX model to this file");
  add("web", po::value(&r.web),
      "write the page into this directory (new, empty, or a page qd_export wrote: replaced)");
  add("ort-web", po::value(&r.ort_web)->default_value(r.ort_web),
      "ONNX Runtime Web's dist/ directory (npm's onnxruntime-web; scripts/setup.sh --web "
      "installs it at the default)");
  add("noise", po::value(&r.noise),
      "write qd_sample's noise for --seed as .npy, float32 [count, latent]");
  add("labels", po::value(&r.labels),
      "conditional runs: write qd_sample's labels for --category as .npy, int64 [count]");
  cli::parse_or_exit(argc, argv, command_line);
  if (r.sample.run.empty() ||
      (r.onnx.empty() && r.web.empty() && r.noise.empty() && r.labels.empty())) {
    throw cli::UsageError("need --run and at least one of --onnx, --web, --noise, --labels");
  }
  return r;
}

int run(int argc, char** argv) {
  const qd::train::ExportRequest request = parse_command_line(argc, argv);
  for (const std::string& path : qd::train::export_run(request, cli::stop_requested())) {
    std::cout << "qd_export: wrote " << path << "\n";
  }
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("qd_export", [&] { return run(argc, argv); });
}
