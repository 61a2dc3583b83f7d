// qd_sample: draws images from the generator of a qd_train run.

#include <chrono>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/report/reports.h"
#include "qd/run/run_directory.h"
#include "qd/store/npy.h"
#include "sample_flags.h"

namespace {

namespace cli = qd::cli;
namespace po = cli::po;

// --interpolate: 0 (still images) or 2 to 1000 points; --frames, --walks: as many as a GIF can
// sensibly hold; --delay: GIF's hundredths of a second, 1 to 10 s.
constexpr auto kWalkKeys = qd::between<int64_t>(2, 1000).or_zero();
constexpr auto kWalkFrames = qd::between<int64_t>(1, 1000);
constexpr auto kWalks = qd::between<int64_t>(1, 256);
constexpr auto kDelay = qd::between(1, 1000);

// What to draw, and where to put it.
struct Options {
  qd::train::SampleRequest request;
  qd::train::WalkRequest walk;
  int64_t interpolate = 0;  // keys of the latent walk; 0: still images
  int delay = 8;
  int columns = 8;
  int scale = 2;
  std::string grid;
  std::string npy;
  std::string gif;
};

Options parse_command_line(int argc, char** argv) {
  Options o;
  cli::CommandLine command_line(
      "Usage: qd_sample --run runs/NAME [--grid samples.png] [--npy samples.npy] [options]\n"
      "       qd_sample --run runs/NAME --interpolate K --gif walk.gif [options]\n\n"
      "Draws --count images from the generator of the qd_train run in --run (its latest\n"
      "checkpoint, or --checkpoint), with noise from --seed. --npy writes them as uint8\n"
      "[N, S, S] (grey; for Quick, Draw! runs 255 = ink, the layout of qd_prepare's shards) or\n"
      "[N, S, S, 3] (RGB); --grid as a PNG grid (Quick, Draw! ink dark on white; other images\n"
      "as they are). For a conditional run, --category draws that category only; without it the\n"
      "categories take turns (image i is category i mod the number of categories). Images are\n"
      "drawn 1024 at a time and written to --npy as they come (memory stays flat whatever the\n"
      "--count; a line of progress on stderr every 5 s). A grid is at most 32767 pixels a side:\n"
      "a larger --count with --grid is refused before drawing. The checkpoint is verified first\n"
      "(every record's CRC-32): a corrupt one is an error naming it. --truncation PSI draws\n"
      "from noise truncated at PSI (BigGAN's truncation trick).\n\n"
      "Latent walks: --interpolate K --gif walk.gif writes a looping animation instead: --walks\n"
      "walks, each through K random points of the noise (from --seed, truncated if asked) and\n"
      "back to the first, moving along great circles (spherical interpolation), --frames frames\n"
      "from one point to the next. In a conditional run each walk is drawn as every category\n"
      "(a row of them per walk), or as --category only. --count is not used.\n\n"
      "Exit codes: 0 written, 1 failed (no checkpoint, corrupt or unreadable checkpoint, I/O\n"
      "error), 2 usage error (bad option, --run holds no run, unknown --category, no output asked\n"
      "for, a --grid larger than a picture, --gif without --interpolate or the other way round),\n"
      "130 interrupted (nothing written).\n\nOptions");
  qd::train::add_sample_flags(command_line.visible, o.request, "how many images");
  auto add = command_line.visible.add_options();
  add("grid,g", po::value(&o.grid), "write the images as a PNG grid");
  add("npy", po::value(&o.npy),
      "write the images as an .npy file, uint8 [N, S, S] (grey) or [N, S, S, 3] (RGB)");
  add("columns", po::value(&o.columns)->default_value(8), "images per row of the grid");
  add("scale", po::value(&o.scale)->default_value(2), "grid pixels per image pixel");
  cli::add_value(command_line.visible, "interpolate", o.interpolate,
                 "a latent walk through this many random points, written to --gif (0: none)",
                 kWalkKeys);
  add("gif", po::value(&o.gif), "--interpolate: write the walk as a looping animated GIF");
  cli::add_value(command_line.visible, "frames", o.walk.between,
                 "--interpolate: frames from one point to the next", kWalkFrames);
  cli::add_value(command_line.visible, "walks", o.walk.walks,
                 "--interpolate: walks side by side (rows of categories in conditional runs)",
                 kWalks);
  cli::add_value(command_line.visible, "delay", o.delay,
                 "--interpolate: hundredths of a second per frame", kDelay);
  cli::parse_or_exit(argc, argv, command_line);
  if (o.request.run.empty()) throw cli::UsageError("need --run");
  if (o.interpolate > 0) {
    if (o.gif.empty()) throw cli::UsageError("--interpolate needs --gif FILE to write the walk to");
    if (!o.grid.empty() || !o.npy.empty()) {
      throw cli::UsageError(
          "--interpolate writes only --gif: draw still images with --grid or --npy in another "
          "call");
    }
    o.walk.keys = o.interpolate;
  } else if (!o.gif.empty()) {
    throw cli::UsageError("--gif writes a latent walk: it needs --interpolate K");
  } else if (o.grid.empty() && o.npy.empty()) {
    throw cli::UsageError("need at least one of --grid, --npy (or --interpolate K --gif FILE)");
  }
  if (o.request.count < 1 || o.columns < 1 || o.scale < 1) {
    throw cli::UsageError("--count, --columns and --scale must be >= 1");
  }
  return o;
}

// --grid of more images than a picture can show is refused before anything is drawn.
void check_grid_fits(const Options& o, const qd::train::PictureFormat& format) {
  const size_t capacity = qd::train::sample_grid_capacity(format, o.columns, o.scale);
  if (static_cast<uint64_t>(o.request.count) <= capacity) return;
  throw cli::UsageError("--count " + std::to_string(o.request.count) + " with --grid: a grid of " +
                        std::to_string(o.columns) + " columns of " +
                        std::to_string(format.shape.side) + "-pixel images at --scale " +
                        std::to_string(o.scale) + " shows at most " + std::to_string(capacity) +
                        " (a picture is at most " +
                        std::to_string(qd::train::sample_grid_pixels()) +
                        " pixels a side); draw fewer, or write them with --npy alone");
}

// A line on stderr every few seconds while a long count is drawn.
class Progress {
 public:
  explicit Progress(int64_t total) : total_(total), last_(Clock::now()) {}
  void add(int64_t images) {
    done_ += images;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(kEverySeconds) || done_ == total_) return;
    last_ = now;
    std::cerr << "qd_sample: " << done_ << " of " << total_ << " images drawn ("
              << 100 * done_ / total_ << "%)\n"
              << std::flush;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr int kEverySeconds = 5;
  int64_t total_;
  int64_t done_ = 0;
  Clock::time_point last_;
};

// --interpolate: the walk's frames as one GIF, each frame a grid of the walks (rows of categories
// in a conditional run drawn as every category). A frame larger than a picture is refused before
// anything is drawn.
void write_walk(const Options& o, const qd::train::SavedRun& saved,
                const qd::train::PictureFormat& format) {
  const auto classes = static_cast<int64_t>(saved.categories.size());
  const bool conditional =
      qd::train::model_config(saved.options, classes, saved.image).conditional();
  const bool every_category = conditional && o.request.category.empty();
  const int64_t categories = every_category ? classes : 1;
  const int64_t per_frame = o.walk.walks * categories;
  const int columns = every_category ? static_cast<int>(categories) : o.columns;
  if (static_cast<size_t>(per_frame) > qd::train::sample_grid_capacity(format, columns, o.scale)) {
    throw cli::UsageError("--walks " + std::to_string(o.walk.walks) + ": a frame of " +
                          std::to_string(per_frame) + " drawings is larger than a picture; " +
                          "take fewer walks or a smaller --scale");
  }
  const qd::train::LatentWalk walk = qd::train::walk_run(o.request, o.walk, cli::stop_requested());
  if (cli::stop_requested()) throw std::runtime_error("interrupted");
  qd::train::write_sample_gif(
      o.gif, walk.frames.data_ptr<uint8_t>(), static_cast<size_t>(walk.frames.size(0)),
      static_cast<size_t>(walk.frames.size(1)), format, columns, o.scale, o.delay);
}

int run(int argc, char** argv) {
  const Options o = parse_command_line(argc, argv);
  const qd::train::SavedRun saved = qd::train::read_run_config(o.request.run);
  const qd::train::PictureFormat format{saved.image, saved.ink};
  if (o.interpolate > 0) {
    write_walk(o, saved, format);
    return cli::kOk;
  }
  if (!o.grid.empty()) check_grid_fits(o, format);
  // The .npy is written as the images come, under a temporary name until the last is in: memory
  // stays flat whatever the count, and an interruption leaves no file. A grid holds few enough
  // images (check_grid_fits) to keep them.
  std::optional<qd::NpyWriter> npy;
  if (!o.npy.empty()) {
    std::vector<uint64_t> row{static_cast<uint64_t>(saved.image.side),
                              static_cast<uint64_t>(saved.image.side)};
    if (saved.image.channels > 1) row.push_back(static_cast<uint64_t>(saved.image.channels));
    npy.emplace(o.npy, "|u1", row);
  }
  std::vector<uint8_t> grid;
  Progress progress(o.request.count);
  qd::train::sample_run(o.request, cli::stop_requested(), [&](const torch::Tensor& images) {
    // [n, S, S] or [n, S, S, C], contiguous
    const auto* bytes = images.data_ptr<uint8_t>();
    if (npy) npy->append(bytes, static_cast<uint64_t>(images.size(0)));
    if (!o.grid.empty()) grid.insert(grid.end(), bytes, bytes + images.numel());
    progress.add(images.size(0));
  });
  // A stop after the last chunk: still nothing written, as exit code 130 says.
  if (cli::stop_requested()) throw std::runtime_error("interrupted");
  if (npy) npy->commit();
  if (!o.grid.empty()) {
    qd::train::write_sample_grid(o.grid, grid.data(), static_cast<size_t>(o.request.count), format,
                                 o.columns, o.scale);
  }
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("qd_sample", [&] { return run(argc, argv); });
}
