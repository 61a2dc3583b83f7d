#pragma once
// Enums named on the command line and in config.json: the value of a name, from a table of the
// names in the enum's order.

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

namespace qd::train {

// `names[i]` names the enum's value i. Throws std::invalid_argument "<option> must be a, b or c,
// not '<text>'".
template <class Enum, size_t N>
Enum enum_of_name(const std::array<const char*, N>& names, std::string_view text,
                  const char* option) {
  std::string choices;
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
    choices += std::string(i == 0 ? "" : i + 1 == N ? " or " : ", ") + names[i];
  }
  throw std::invalid_argument(std::string(option) + " must be " + choices + ", not '" +
                              std::string(text) + "'");
}

}  // namespace qd::train
