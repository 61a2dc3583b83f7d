#pragma once
// The values a numeric option accepts, declared once beside the option (visit_prepare_settings,
// qd_render's and the trainer's option lists) and checked wherever a value comes in: the command
// line and the files that record the options. Every refusal reads the same:
//   "--line-width must be in 0.1..64, not 0"
// naming the option as the caller spells it ("--line-width" on a command line, "\"line_width\""
// in a manifest), the range, and the value.

#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace qd {

template <class T>
struct ValueRange {
  static_assert(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, "a range of numbers");

  T min = std::numeric_limits<T>::lowest();
  T max = std::numeric_limits<T>::max();  // the type's max: no upper bound
  bool zero_too = false;                  // 0 accepted besides min..max ("0: off", "0: all")
  bool min_excluded = false;              // > min (a learning rate: > 0)
  bool max_excluded = false;              // < max (Adam's betas: < 1)

  // Finite, and 0 (when zero_too) or within min..max.
  bool contains(T value) const;
  // "0.1..64", ">= 1", "0 or 1..4096", "0 or >= 2": for --help and the messages.
  std::string describe() const;
  // Throws std::invalid_argument "<name> must be in 0.1..64, not 0" unless contains(value).
  void check(std::string_view name, T value) const;
  // `text` as a command line gives it: the whole of it a number of type T, and within the range.
  // Negative text for an unsigned T is refused as the negative number it is (Boost's parser
  // would read "-1" as 18446744073709551615). Throws std::invalid_argument as check() does.
  T parse(std::string_view name, std::string_view text) const;

  // This range with 0 accepted besides: between(1, 4096).or_zero() is "0 or 1..4096".
  constexpr ValueRange or_zero() const { return {min, max, true, min_excluded, max_excluded}; }
  // This range without its max: between(0.0, 1.0).below_max() is ">= 0 and < 1".
  constexpr ValueRange below_max() const { return {min, max, zero_too, min_excluded, true}; }
};

// min..max, both included.
template <class T>
constexpr ValueRange<T> between(T min, T max) {
  return {min, max, false};
}

// min and above (a floating-point range still refuses infinity).
template <class T>
constexpr ValueRange<T> at_least(T min) {
  return {min, std::numeric_limits<T>::max(), false};
}

// Above min, min excluded ("> 0").
template <class T>
constexpr ValueRange<T> greater_than(T min) {
  return {min, std::numeric_limits<T>::max(), false, true, false};
}

// For options that are not numbers (switches, names, lists): anything their parser accepts.
// It has ValueRange's interface so that one visitor can treat every option alike.
struct AnyValue {
  template <class T>
  void check(std::string_view /*name*/, const T& /*value*/) const {}
  std::string describe() const { return {}; }
};
inline constexpr AnyValue kAnyValue{};

// Defined for these types in value_range.cpp.
extern template struct ValueRange<int>;
extern template struct ValueRange<long>;
extern template struct ValueRange<long long>;
extern template struct ValueRange<unsigned>;
extern template struct ValueRange<unsigned long>;
extern template struct ValueRange<unsigned long long>;
extern template struct ValueRange<double>;

}  // namespace qd
