#pragma once
// Google's simplification of raw drawings into the simplified format, as the quickdraw-dataset
// README describes it: align the drawing to the top-left corner (minimum 0), scale it uniformly
// to a maximum value of 255, resample every stroke with a 1-pixel spacing, simplify every stroke
// with Ramer-Douglas-Peucker, epsilon 2.0. The details it leaves open are chosen as they agree
// best with Google's simplified files (docs/formats.md, "Raw drawings"): scaled as
// (v - min) * 255 / extent; resampled by arc length, interpolating, the spacing carried across
// the raw points, the stroke's last raw point always kept; RDP by distance to the line through
// the endpoints, splitting at the first farthest point when farther than epsilon; coordinates
// rounded, half to even, after RDP.

#include <cstdint>

#include "qd/pipeline/drawing_parser.h"
#include "qd/rasterizer/drawing.h"

namespace qd {

struct SimplifyOptions {
  double epsilon = 2.0;  // RDP's tolerance, in the 0..255 space (0: keep every resampled point)
  // A bound on the work: a drawing whose resampled strokes would hold more points than this is
  // not simplified (its path is longer than about this many units). Real raw drawings reach 2,700.
  uint64_t max_resampled_points = 32768;
};

// Replaces out.points and out.stroke_ends with `raw` simplified (the rest of `out` is left as it
// is). False, `out` untouched, when the resampled strokes would exceed max_resampled_points;
// `resampled` (if given) is then their count as estimated from the path length.
bool simplify_raw(const RawDrawing& raw, const SimplifyOptions& options, Drawing& out,
                  uint64_t* resampled = nullptr);

}  // namespace qd
