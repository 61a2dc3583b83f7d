#include "qd/pipeline/record_filter.h"

#include <algorithm>

namespace qd {

std::optional<RejectReason> screen(const Drawing& drawing, const FilterOptions& options) {
  if (drawing.points.size() > options.max_points || drawing.stroke_count() > options.max_strokes) {
    return RejectReason::kTooLarge;
  }
  if (drawing.points.size() < options.min_points) return RejectReason::kTruncated;
  uint8_t min_x = 255;
  uint8_t min_y = 255;
  uint8_t max_x = 0;
  uint8_t max_y = 0;
  for (const Point& p : drawing.points) {
    min_x = std::min(min_x, p.x);
    min_y = std::min(min_y, p.y);
    max_x = std::max(max_x, p.x);
    max_y = std::max(max_y, p.y);
  }
  const uint32_t extent = std::max(max_x - min_x, max_y - min_y);
  if (extent < options.min_extent) return RejectReason::kTruncated;
  if (!drawing.recognized && !options.keep_unrecognized) return RejectReason::kUnrecognized;
  return std::nullopt;
}

}  // namespace qd
