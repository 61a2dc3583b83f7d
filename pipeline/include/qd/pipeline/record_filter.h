#pragma once
// Which records qd_prepare keeps, and why it drops the others. Every dropped record is counted
// under exactly one reason; nothing is skipped silently.

#include <cstdint>
#include <optional>

#include "qd/rasterizer/drawing.h"
#include "qd/store/manifest.h"  // RejectReason

namespace qd {

struct FilterOptions {
  bool keep_unrecognized = false;
  // Google's simplified drawings are scaled so their longer side spans 0..255: of 9,600 real ones
  // the smallest has 2 points and spans 238 units. Below these a record is a fragment, not a
  // drawing.
  uint32_t min_points = 2;
  uint32_t min_extent = 64;    // the longer side of the bounding box, in the 256-unit space
  uint32_t max_points = 8192;  // more: too_large (rendering time grows steeply with points)
  uint32_t max_strokes = 1024;
};

// The reason to drop a parsed drawing, judged on the drawing alone (duplicates need the history
// of the category and are decided where records are written, in order).
std::optional<RejectReason> screen(const Drawing& drawing, const FilterOptions& options);

}  // namespace qd
