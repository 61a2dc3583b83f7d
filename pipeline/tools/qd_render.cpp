// qd_render: renders Quick, Draw! simplified ndjson (plain or gzipped) to an .npy array and/or a
// PNG contact sheet, exactly as Google rendered its numpy_bitmap files.

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "qd/pipeline/atomic_file.h"
#include "qd/pipeline/byte_source.h"
#include "qd/pipeline/drawing_parser.h"
#include "qd/pipeline/line_chunker.h"
#include "qd/pipeline/npy.h"
#include "qd/rasterizer/contact_sheet.h"
#include "qd/rasterizer/rasterizer.h"

namespace po = boost::program_options;

namespace {

enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2, kBadLines = 3 };

struct Options {
  std::string input;
  std::string out;
  std::string grid;
  size_t grid_count = 64;
  int grid_scale = 2;
  uint64_t limit = 0;
  qd::RasterOptions raster;
  int threads = 0;
  bool quiet = false;
};

std::optional<Options> parse_command_line(int argc, char** argv) {
  Options o;
  po::options_description visible(
      "Usage: qd_render FILE.ndjson[.gz] [--out images.npy] [--grid sheet.png] [options]\n\n"
      "Renders every drawing of a Quick, Draw! simplified ndjson file (gzip is detected by its\n"
      "magic bytes) with Google's numpy_bitmap method: white ink (255) on black (0), uint8.\n"
      "Bad lines are reported on stderr with their line number and reason; the good ones are\n"
      "still rendered.\n\n"
      "Exit codes: 0 all lines rendered, 1 input or output failed, 2 usage error,\n"
      "3 rendered, but some lines were rejected (or the input was cut off).\n\nOptions");
  visible.add_options()("help,h", "show this help and exit")(
      "out,o", po::value(&o.out), "write the images to this .npy file: uint8 [N, size, size]")(
      "grid,g", po::value(&o.grid), "write a PNG contact sheet of the first drawings")(
      "grid-count", po::value(&o.grid_count)->default_value(64), "drawings on the contact sheet")(
      "grid-scale", po::value(&o.grid_scale)->default_value(2),
      "contact sheet pixels per image pixel")("limit,n", po::value(&o.limit)->default_value(0),
                                              "stop after N rendered drawings (0: all)")(
      "size,s", po::value(&o.raster.side)->default_value(28),
      "image side in pixels (e.g. 28, 64, 128)")(
      "line-width", po::value(&o.raster.line_width)->default_value(16.0),
      "stroke width, in the 256-unit drawing space")(
      "padding", po::value(&o.raster.padding)->default_value(16.0),
      "margin on each edge, in the 256-unit drawing space")(
      "threads,j", po::value(&o.threads)->default_value(0), "worker threads (0: all cores)")(
      "quiet,q", po::bool_switch(&o.quiet), "print nothing but errors");
  po::options_description hidden;
  hidden.add_options()("input", po::value(&o.input));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("input", 1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "qd_render: " << e.what() << "\nTry 'qd_render --help'.\n";
    return std::nullopt;
  }
  if (vm.count("help") != 0U) {
    std::cout << visible << "\n";
    std::exit(kOk);
  }
  if (o.input.empty()) {
    std::cerr << "qd_render: no input file given\nTry 'qd_render --help'.\n";
    return std::nullopt;
  }
  if (o.raster.side < 1 || o.raster.side > 4096 || o.raster.line_width < 0 ||
      o.raster.padding < 0 || o.grid_scale < 1 || o.threads < 0) {
    std::cerr << "qd_render: --size must be 1..4096, --grid-scale >= 1, --line-width, --padding "
                 "and --threads >= 0\n";
    return std::nullopt;
  }
  return o;
}

struct LineResult {
  std::optional<qd::ParseError> error;
  uint64_t key_id = 0;
};

int run(const Options& o) {
  const size_t image_bytes = static_cast<size_t>(o.raster.side) * o.raster.side;
  auto source = qd::open_decoded(qd::open_file_source(o.input));
  qd::LineChunker chunker(*source);

  std::optional<qd::NpyWriter> npy;
  if (!o.out.empty()) {
    npy.emplace(o.out, "|u1",
                std::vector<uint64_t>{static_cast<uint64_t>(o.raster.side),
                                      static_cast<uint64_t>(o.raster.side)});
  }
  std::vector<uint8_t> grid_images;
  tbb::enumerable_thread_specific<std::pair<qd::DrawingParser, qd::Drawing>> workers;

  uint64_t rendered = 0;
  uint64_t rejected = 0;
  qd::LineChunk chunk;
  std::vector<uint8_t> images;
  std::vector<LineResult> results;
  while ((o.limit == 0 || rendered < o.limit) && chunker.next(chunk)) {
    const size_t n = chunk.lines.size();
    images.resize(n * image_bytes);
    results.assign(n, {});
    tbb::parallel_for(size_t{0}, n, [&](size_t i) {
      auto& [parser, drawing] = workers.local();
      results[i].error = parser.parse(chunk.line(i), drawing);
      results[i].key_id = drawing.key_id;
      if (!results[i].error) qd::rasterize(drawing, o.raster, images.data() + i * image_bytes);
    });
    for (size_t i = 0; i < n && (o.limit == 0 || rendered < o.limit); ++i) {
      const LineResult& r = results[i];
      if (r.error) {
        ++rejected;
        const bool cut = chunk.last_line_unterminated && i + 1 == n;
        std::cerr << o.input << ":" << chunk.line_number(i) << ": ";
        if (r.key_id != 0) std::cerr << "key_id " << r.key_id << ": ";
        std::cerr << (cut ? "truncated (last line has no newline): " : "")
                  << qd::to_string(r.error->kind) << ": " << r.error->message << "\n";
        continue;
      }
      const uint8_t* image = images.data() + i * image_bytes;
      if (npy) npy->append(image, 1);
      if (grid_images.size() < o.grid_count * image_bytes) {
        grid_images.insert(grid_images.end(), image, image + image_bytes);
      }
      ++rendered;
    }
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
      sheet.side = o.raster.side;
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
  return rejected > 0 || truncated ? kBadLines : kOk;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_command_line(argc, argv);
  if (!options) return kUsage;
  std::optional<tbb::global_control> threads;
  if (options->threads > 0) {
    threads.emplace(tbb::global_control::max_allowed_parallelism, options->threads);
  }
  try {
    return run(*options);
  } catch (const std::exception& e) {
    std::cerr << "qd_render: " << e.what() << "\n";
    return kFailed;
  }
}
