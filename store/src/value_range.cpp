#include "qd/store/value_range.h"

#include <charconv>
#include <cmath>

namespace qd {
namespace {

// The shortest text that reads back as `value`: "0.1", not "0.10000000000000001"; "nan", "inf".
template <class T>
std::string number_text(T value) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

template <class T>
bool bounded(const ValueRange<T>& range) {
  return range.max != std::numeric_limits<T>::max();
}

// "0.1..64"; ">= 1" or "> 0" without an upper bound; ">= 0 and < 1" with an end excluded.
template <class T>
std::string span(const ValueRange<T>& range) {
  const std::string lower = (range.min_excluded ? "> " : ">= ") + number_text(range.min);
  if (!bounded(range)) return lower;
  if (!range.min_excluded && !range.max_excluded) {
    return number_text(range.min) + ".." + number_text(range.max);
  }
  return lower + " and " + (range.max_excluded ? "< " : "<= ") + number_text(range.max);
}

// "<name> must be in 0.1..64, not <shown>"; "in" only before a span with two ends.
template <class T>
std::invalid_argument refusal(const ValueRange<T>& range, std::string_view name,
                              const std::string& shown) {
  const bool two_ends = bounded(range) && !range.min_excluded && !range.max_excluded;
  return std::invalid_argument(std::string(name) + " must be " + (range.zero_too ? "0 or " : "") +
                               (two_ends ? "in " : "") + span(range) + ", not " + shown);
}

}  // namespace

template <class T>
bool ValueRange<T>::contains(T value) const {
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) return false;
  }
  const bool above = min_excluded ? value > min : value >= min;
  const bool below = max_excluded ? value < max : value <= max;
  return (zero_too && value == T{0}) || (above && below);
}

template <class T>
std::string ValueRange<T>::describe() const {
  return (zero_too ? "0 or " : "") + span(*this);
}

template <class T>
void ValueRange<T>::check(std::string_view name, T value) const {
  if (!contains(value)) throw refusal(*this, name, number_text(value));
}

template <class T>
T ValueRange<T>::parse(std::string_view name, std::string_view text) const {
  const char* end = text.data() + text.size();
  T value{};
  const auto r = std::from_chars(text.data(), end, value);
  // from_chars refuses a '-' for an unsigned T, and anything too large for T: either way the
  // text is not a value of the range, and the message quotes it as given.
  if (r.ec != std::errc() || r.ptr != end || text.empty()) {
    throw refusal(*this, name, std::string(text));
  }
  check(name, value);
  return value;
}

template struct ValueRange<int>;
template struct ValueRange<long>;
template struct ValueRange<long long>;
template struct ValueRange<unsigned>;
template struct ValueRange<unsigned long>;
template struct ValueRange<unsigned long long>;
template struct ValueRange<double>;

}  // namespace qd
