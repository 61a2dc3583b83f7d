// qd_render: renders Quick, Draw! simplified ndjson (plain or gzipped) to an .npy array and/or a
// PNG contact sheet, exactly as Google rendered its numpy_bitmap files.

#include <tbb/global_control.h>

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/pipeline/byte_source.h"
#include "qd/pipeline/input_format.h"
#include "qd/pipeline/prepare_category.h"
#include "qd/pipeline/prepare_graph.h"
#include "qd/rasterizer/contact_sheet.h"
#include "qd/store/atomic_file.h"
#include "qd/store/npy.h"
#include "qd/store/value_range.h"
#include "settings_flags.h"

namespace {

namespace cli = qd::cli;
namespace po = cli::po;

struct Options {
  qd::PrepareSettings settings;  // the rendering options; every drawing is rendered
  uint64_t limit = 0;
  int threads = 0;
  bool quiet = false;
  std::string input;
  std::string input_format = "auto";
  std::string out;
  std::string grid;
  size_t grid_count = 64;
  int grid_scale = 2;
};

Options parse_command_line(int argc, char** argv) {
  Options o;
  cli::CommandLine command_line(
      "Usage: qd_render FILE [--out images.npy] [--grid sheet.png] [options]\n\n"
      "Renders every drawing of a Quick, Draw! file (simplified ndjson, Google's binary .bin, or\n"
      "raw ndjson, simplified as Google did; recognised by content, see --input-format; gzip is\n"
      "detected by its magic bytes) with Google's numpy_bitmap method: white ink (255) on black\n"
      "(0), uint8. Bad records are reported on stderr with their line number (binary: record\n"
      "number and byte offset) and reason; the good ones are still rendered.\n\n"
      "Exit codes: 0 all lines rendered, 1 input or output failed, 2 usage error,\n"
      "3 rendered, but some lines were rejected (or the input was cut off), 130 interrupted\n"
      "(SIGINT/SIGTERM; no output written).\n\nOptions");
  po::options_description& options = command_line.visible;
  options.add_options()("out,o", po::value(&o.out),
                        "write the images to this .npy file: uint8 [N, size, size]");
  options.add_options()("grid,g", po::value(&o.grid),
                        "write a PNG contact sheet of the first drawings");
  // The sheet is held in memory and drawn on one Cairo surface (at most 32767 pixels a side).
  cli::add_value(options, "grid-count", o.grid_count, "drawings on the contact sheet",
                 qd::between<size_t>(1, 10000));
  cli::add_value(options, "grid-scale", o.grid_scale, "contact sheet pixels per image pixel",
                 qd::between(1, 16));
  cli::add_value(options, "limit,n", o.limit, "stop after N rendered drawings (0: all)",
                 qd::at_least<uint64_t>(0));
  options.add_options()("input-format", po::value(&o.input_format)->default_value(o.input_format),
                        "what FILE holds: ndjson, binary, raw, or auto: recognised by content");
  qd::add_settings_flags(options, o.settings, qd::SettingsFlags::kRendering);
  cli::add_value(options, "threads,j", o.threads, "worker threads (0: all cores)",
                 qd::between(0, 1024));
  options.add_options()("quiet,q", po::bool_switch(&o.quiet), "print nothing but errors");
  command_line.hidden.add_options()("input", po::value(&o.input));
  command_line.positional.add("input", 1);
  cli::parse_or_exit(argc, argv, command_line);

  if (o.input.empty()) throw cli::UsageError("no input file given");
  qd::parse_input_format(o.input_format);  // std::invalid_argument: a usage error
  return o;
}

int run(int argc, char** argv) {
  const Options o = parse_command_line(argc, argv);
  std::optional<tbb::global_control> threads;
  if (o.threads > 0) threads.emplace(tbb::global_control::max_allowed_parallelism, o.threads);

  qd::RenderOptions render = qd::render_options(o.settings);
  render.input_format = qd::parse_input_format(o.input_format);
  // Every drawing that parses, recognised or not, however small; within the size limits.
  render.filter.keep_unrecognized = true;
  render.filter.min_points = 0;
  render.filter.min_extent = 0;
  const auto side = static_cast<uint64_t>(render.raster.side);
  const size_t image_bytes = side * side;
  auto source = qd::open_decoded(qd::open_file_source(o.input));

  std::optional<qd::NpyWriter> npy;
  if (!o.out.empty()) npy.emplace(o.out, "|u1", std::vector<uint64_t>{side, side});
  std::vector<uint8_t> grid_images;
  uint64_t rendered = 0;
  uint64_t rejected = 0;
  const auto consume = [&](const qd::RenderedChunk& chunk) {
    for (size_t i = 0; i < chunk.outcomes.size() && (o.limit == 0 || rendered < o.limit); ++i) {
      const qd::LineOutcome& r = chunk.outcomes[i];
      if (r.rejected) {
        ++rejected;
        if (i < chunk.offsets.size()) {
          std::cerr << o.input << ": record " << chunk.line_number(i) << " at byte "
                    << chunk.offsets[i] << ": ";
        } else {
          std::cerr << o.input << ":" << chunk.line_number(i) << ": ";
        }
        if (r.key_id != 0) std::cerr << "key_id " << r.key_id << ": ";
        if (*r.rejected != qd::RejectReason::kMalformed)
          std::cerr << to_string(*r.rejected) << ": ";
        std::cerr << r.detail << "\n";
        continue;
      }
      const uint8_t* image = chunk.images.data() + i * image_bytes;
      if (npy) npy->append(image, 1);
      if (grid_images.size() < o.grid_count * image_bytes) {
        grid_images.insert(grid_images.end(), image, image + image_bytes);
      }
      ++rendered;
    }
    return o.limit == 0 || rendered < o.limit;
  };
  if (qd::render_in_order(*source, render, consume, cli::stop_requested())) {
    return cli::kInterrupted;  // the .npy's temporary file is removed, nothing is written
  }
  const bool truncated = source->truncated();
  if (truncated) std::cerr << o.input << ": the gzip stream ends inside a member (file cut off)\n";

  if (npy) npy->commit();
  if (!o.grid.empty()) {
    if (grid_images.empty()) {
      std::cerr << "qd_render: no drawing was rendered, so no contact sheet was written\n";
    } else {
      qd::ContactSheet sheet;
      sheet.images = grid_images.data();
      sheet.count = grid_images.size() / image_bytes;
      sheet.side = render.raster.side;
      sheet.scale = o.grid_scale;
      qd::write_file_atomically(o.grid, qd::encode_contact_sheet_png(sheet));
    }
  }
  if (!o.quiet) {
    std::cerr << "qd_render: " << rendered << " drawings rendered, " << rejected
              << " lines rejected from " << o.input;
    if (npy) std::cerr << " -> " << o.out;
    if (!o.grid.empty() && !grid_images.empty()) std::cerr << ", sheet " << o.grid;
    std::cerr << "\n";
  }
  return rejected > 0 || truncated ? cli::kPartial : cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("qd_render", [&] { return run(argc, argv); });
}
