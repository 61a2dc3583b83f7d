#pragma once
// The pictures in a run directory: sample grids, progress.gif, loss.png and quality.png. Every file
// is written atomically (a reader never sees half of one).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qd/data/image_shape.h"
#include "qd/report/metrics_log.h"
#include "qd/report/quality_log.h"

namespace qd::train {

// How pictures show images: their shape, and whether a grey 255 is ink (Quick, Draw!: drawn dark
// on white) or light (shown as it is). Colour is always shown as it is.
struct PictureFormat {
  ImageShape shape;
  bool ink = true;
};

// `count` images of side*side*channels bytes (HWC) as a PNG grid, `columns` per row, each pixel
// scale x scale.
void write_sample_grid(const std::string& path, const uint8_t* images, size_t count,
                       const PictureFormat& format, int columns, int scale = 2);
// The most images such a grid can show (0: not one): a picture is at most sample_grid_pixels()
// (Cairo's 32767) pixels a side.
size_t sample_grid_capacity(const PictureFormat& format, int columns, int scale = 2);
int sample_grid_pixels();

// Every PNG in `frames` (e.g. samples/epoch-0001.png ...), in order, as one looping animated GIF
// with `delay_cs` hundredths of a second per frame. Grey frames index a 256-level grey palette;
// when any frame has colour, each frame gets its own 256-colour palette chosen by giflib's
// median-cut quantizer (GifQuantizeBuffer), which suits grids of a few dominant colours. Frames of
// different sizes are placed at the top left of a canvas as large as the largest. Throws
// std::runtime_error naming the file at fault.
void write_progress_gif(const std::string& path, const std::vector<std::string>& frames,
                        int delay_cs = 50);

// `frames` grids of `per_frame` images each (the images frame after frame, each frame laid out as
// write_sample_grid lays out its images) as one looping animated GIF, `delay_cs` hundredths of a
// second per frame: qd_sample --interpolate's latent walks. Palettes as write_progress_gif's.
void write_sample_gif(const std::string& path, const uint8_t* images, size_t frames,
                      size_t per_frame, const PictureFormat& format, int columns, int scale,
                      int delay_cs);

// The D and G losses (top panel) and D(x), D(G(z)) (bottom panel) against step, as an
// 800x500 PNG drawn with Cairo. Any number of rows, one included.
void write_loss_plot(const std::string& path, const std::vector<MetricsRow>& rows);

// FID, KID x 1000 and top-1 of every category together (quality.csv's rows of kAllCategories)
// against epoch, each beside its floor (dashed), the best FID ringed, as an 800x640 PNG; when
// some row has memorisation figures, 176 pixels taller: a panel of the ratio, a dashed line at 1.
void write_quality_plot(const std::string& path, const std::vector<QualityRow>& rows);

// One recipe's drawings along its training: FID, recall and top-1 (every category together)
// after each of `minutes` of training (bench/bake_off --at).
struct TimeCurve {
  std::string name;
  std::vector<double> minutes, fid, recall, top1;
};
// What the real data scores against itself: the level each panel's curves aim at.
struct TimeFloors {
  double fid = 0, recall = 0, top1 = 0;
};
// FID, recall and top-1 against minutes of training, one coloured curve per recipe with its
// points ringed, each panel beside the real data's figure (dashed grey), as an 800x640 PNG.
void write_time_plot(const std::string& path, const std::vector<TimeCurve>& curves,
                     const TimeFloors& floors);

}  // namespace qd::train
