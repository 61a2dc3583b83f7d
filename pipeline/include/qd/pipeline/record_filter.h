#pragma once
// Which records qd_prepare keeps, and why it drops the others. Every dropped record is counted
// under exactly one reason; nothing is skipped silently.

#include <array>
#include <cstdint>
#include <optional>

#include "qd/rasterizer/drawing.h"

namespace qd {

enum class RejectReason : uint8_t {
  kUnrecognized,  // "recognized": false (kept with --keep-unrecognized)
  kMalformed,     // anything the parser rejects
  kTruncated,     // cut off (unterminated last line, stream ending inside a record) or too small
  kDuplicate,     // a key_id already kept in this category
};
inline constexpr size_t kRejectReasonCount = 4;

const char* to_string(RejectReason reason);

struct RejectCounts {
  std::array<uint64_t, kRejectReasonCount> by_reason{};

  void add(RejectReason r, uint64_t n = 1) { by_reason[static_cast<size_t>(r)] += n; }
  uint64_t operator[](RejectReason r) const { return by_reason[static_cast<size_t>(r)]; }
  uint64_t total() const;
};

struct FilterOptions {
  bool keep_unrecognized = false;
  // Google's simplified drawings are scaled so their longer side spans 0..255: of 9,600 real ones
  // the smallest has 2 points and spans 238 units. Below these a record is a fragment, not a
  // drawing.
  uint32_t min_points = 2;
  uint32_t min_extent = 64;  // the longer side of the bounding box, in the 256-unit space
};

// The reason to drop a parsed drawing, judged on the drawing alone (duplicates need the history
// of the category and are decided where records are written, in order).
std::optional<RejectReason> screen(const Drawing& drawing, const FilterOptions& options);

}  // namespace qd
