#pragma once
// The real qd_prepare executable's command line, for the end-to-end tests of its formats.

#include <string>

namespace qd::test {

inline std::string qd_prepare(const std::string& args) {
  return std::string(QD_PREPARE_EXE) + " " + args;
}

}  // namespace qd::test
