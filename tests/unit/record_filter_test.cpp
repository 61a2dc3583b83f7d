#include "qd/pipeline/record_filter.h"

#include <doctest/doctest.h>

namespace {

qd::Drawing drawing(std::initializer_list<qd::Point> points, bool recognized = true) {
  qd::Drawing d;
  d.recognized = recognized;
  d.points = points;
  d.stroke_ends = {static_cast<uint32_t>(d.points.size())};
  return d;
}

}  // namespace

TEST_CASE("screen keeps real-looking drawings and names the reason for the others") {
  const qd::FilterOptions o;
  CHECK_FALSE(qd::screen(drawing({{0, 0}, {255, 40}}), o));
  CHECK(qd::screen(drawing({{0, 0}, {255, 40}}, false), o) == qd::RejectReason::kUnrecognized);
  CHECK(qd::screen(drawing({{128, 128}}), o) == qd::RejectReason::kTruncated);  // a lone point
  CHECK(qd::screen(drawing({{100, 100}, {140, 130}}), o) == qd::RejectReason::kTruncated);
  CHECK_FALSE(qd::screen(drawing({{100, 100}, {164, 130}}), o));  // extent 64: the threshold
  // A fragment is truncated whether or not it was recognised.
  CHECK(qd::screen(drawing({{1, 1}}, false), o) == qd::RejectReason::kTruncated);

  qd::FilterOptions keep;
  keep.keep_unrecognized = true;
  CHECK_FALSE(qd::screen(drawing({{0, 0}, {255, 40}}, false), keep));
}

TEST_CASE("reject counts add up by reason") {
  qd::RejectCounts c;
  c.add(qd::RejectReason::kDuplicate);
  c.add(qd::RejectReason::kMalformed, 3);
  CHECK(c[qd::RejectReason::kMalformed] == 3);
  CHECK(c[qd::RejectReason::kDuplicate] == 1);
  CHECK(c.total() == 4);
  CHECK(std::string(qd::to_string(qd::RejectReason::kUnrecognized)) == "unrecognized");
}
