#pragma once
// Reading a promised number of bytes without trusting the promise for the allocation.

#include <cstdint>
#include <vector>

#include "byte_input.h"

namespace qd::images {

// Appends up to `n` bytes of `in` to `out`, growing it as the bytes arrive (doubling from 64 KiB),
// so that a header claiming gigabytes costs memory only for the bytes that are really there.
// Returns how many were appended.
inline uint64_t append_bytes(ByteInput& in, uint64_t n, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  uint64_t got = 0;
  size_t step = 1 << 16;
  while (got < n) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n - got, step));
    out.resize(start + got + want);
    const size_t r = in.read(out.data() + start + got, want);
    got += r;
    if (r < want) break;
    step = std::min<size_t>(step * 2, size_t{1} << 28);
  }
  out.resize(start + got);
  return got;
}

// Whether `in` has anything left.
inline bool has_more(ByteInput& in) {
  uint8_t byte = 0;
  return in.read(&byte, 1) == 1;
}

}  // namespace qd::images
