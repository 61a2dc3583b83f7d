// ValueRange: the one declaration of what a numeric option accepts, and the one message that
// refuses the rest (value_range.h).

#include "qd/store/value_range.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "qd/store/manifest.h"

namespace {

// The message `range` refuses `text` with, or "accepted".
template <class T>
std::string refusal(const qd::ValueRange<T>& range, const std::string& name,
                    const std::string& text) {
  try {
    range.parse(name, text);
    return "accepted";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

}  // namespace

TEST_CASE("a range says what it accepts, for --help and the messages") {
  CHECK(qd::between(0.1, 64.0).describe() == "0.1..64");
  CHECK(qd::between(1, 4096).describe() == "1..4096");
  CHECK(qd::at_least<uint64_t>(1).describe() == ">= 1");
  CHECK(qd::between(1, 4096).or_zero().describe() == "0 or 1..4096");
  CHECK(qd::at_least(2.5).or_zero().describe() == "0 or >= 2.5");
}

TEST_CASE("a value out of range is refused naming the option, the range and the value") {
  CHECK_THROWS_WITH_AS(qd::between(0.1, 64.0).check("--line-width", 0.0),
                       "--line-width must be in 0.1..64, not 0", std::invalid_argument);
  CHECK_THROWS_WITH(qd::at_least<uint64_t>(1).check("--shard-size", 0),
                    "--shard-size must be >= 1, not 0");
  CHECK_THROWS_WITH(qd::between(1, 4096).or_zero().check("--x", -3),
                    "--x must be 0 or in 1..4096, not -3");
  CHECK_NOTHROW(qd::between(1, 4096).or_zero().check("--x", 0));
  CHECK_NOTHROW(qd::between(0.1, 64.0).check("--line-width", 64.0));
  CHECK_NOTHROW(qd::between(0.1, 64.0).check("--line-width", 0.1));
}

TEST_CASE("an excluded end: a learning rate above 0, Adam's beta below 1") {
  CHECK(qd::greater_than(0.0).describe() == "> 0");
  CHECK(qd::between(0.0, 1.0).below_max().describe() == ">= 0 and < 1");
  CHECK_THROWS_WITH(qd::greater_than(0.0).check("--lr", 0.0), "--lr must be > 0, not 0");
  CHECK_THROWS_WITH(qd::between(0.0, 1.0).below_max().check("--beta1", 1.0),
                    "--beta1 must be >= 0 and < 1, not 1");
  CHECK(refusal(qd::greater_than(0.0), "--lr", "inf") == "--lr must be > 0, not inf");
  CHECK_NOTHROW(qd::greater_than(0.0).check("--lr", 1e-300));
  CHECK_NOTHROW(qd::between(0.0, 1.0).below_max().check("--beta1", 0.0));
}

TEST_CASE("non-finite numbers are refused, even by a range with no upper bound") {
  CHECK(refusal(qd::between(0.1, 64.0), "--line-width", "nan") ==
        "--line-width must be in 0.1..64, not nan");
  CHECK(refusal(qd::at_least(0.0), "--padding", "inf") == "--padding must be >= 0, not inf");
  CHECK(refusal(qd::at_least(0.0), "--padding", "1e400") == "--padding must be >= 0, not 1e400");
  CHECK_FALSE(qd::at_least(0.0).contains(-std::numeric_limits<double>::infinity()));
}

TEST_CASE("negative text for an unsigned option is refused, not wrapped around") {
  // Boost reads "-1" into a uint64_t as 18446744073709551615: --max-per-category -1 meant "all".
  CHECK(refusal(qd::at_least<uint64_t>(0), "--max-per-category", "-1") ==
        "--max-per-category must be >= 0, not -1");
  CHECK(refusal(qd::at_least<uint32_t>(0), "--min-points", "-1") ==
        "--min-points must be >= 0, not -1");
  CHECK(refusal(qd::at_least<uint64_t>(0), "--n", "18446744073709551616") ==
        "--n must be >= 0, not 18446744073709551616");
  CHECK(qd::at_least<uint64_t>(0).parse("--n", "18446744073709551615") == UINT64_MAX);
  CHECK(refusal(qd::between(1, 4096), "--size", "-1") == "--size must be in 1..4096, not -1");
}

TEST_CASE("the whole text must be one number of the option's type") {
  for (const char* text : {"", "12x", " 5", "5 ", "2.5", "0x10", "+5", "1e3"}) {
    CAPTURE(text);
    CHECK(refusal(qd::between(1, 4096), "--size", text) ==
          "--size must be in 1..4096, not " + std::string(text));
  }
  CHECK(qd::between(1, 4096).parse("--size", "64") == 64);
  CHECK(qd::between(0.0, 1.0).parse("--val-fraction", "5e-2") == 0.05);
}

TEST_CASE("every PrepareSettings default lies in its declared range") {
  qd::PrepareSettings defaults;
  int numeric = 0;
  qd::visit_prepare_settings(
      [&](const char* key, const char*, const auto& range, const auto& field) {
        CAPTURE(key);
        CHECK_NOTHROW(range.check(key, field));
        numeric += range.describe().empty() ? 0 : 1;
      },
      defaults);
  CHECK(numeric == 12);  // all but keep_unrecognized and the format list have a range
}
