#pragma once
// The dictionary of an .npy header, read strictly: what NumPy's own writer produces, and nothing
// a damaged or foreign file could pass off as it (docs/formats.md, "What the readers accept").

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qd::npy {

// The bytes of one element of a dtype qd reads: "|u1", "<u8", "<f4", ...; 0 for anything else
// (big-endian, complex, strings, objects, sizes NumPy has no such type of).
uint64_t element_size(std::string_view descr);

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<uint64_t> shape;
};

// Parses the header text after the 10- or 12-byte preamble. Throws std::invalid_argument saying
// what is wrong; the caller names the file.
Header parse_header(std::string_view text);

}  // namespace qd::npy
