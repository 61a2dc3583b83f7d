#include <numeric>

#include "qd/data/loader.h"

namespace qd::train {
namespace {

// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and the same everywhere.
uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [0, bound) without modulo bias (Lemire's multiply-and-reject).
uint64_t below(uint64_t& state, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;
  __extension__ using uint128 = unsigned __int128;  // GCC and Clang; not ISO C++
  for (;;) {
    const uint128 m = static_cast<uint128>(splitmix64(state)) * bound;
    if (static_cast<uint64_t>(m) >= threshold) return static_cast<uint64_t>(m >> 64);
  }
}

}  // namespace

std::vector<uint32_t> epoch_order(size_t n, uint64_t seed, int64_t epoch) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  // Each (seed, epoch) pair gets its own stream: mix both into the starting state.
  uint64_t mix = seed ^ 0x6a09e667f3bcc909ULL;
  uint64_t state = splitmix64(mix) ^ static_cast<uint64_t>(epoch) * 0xd1b54a32d192ed03ULL;
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[below(state, i)]);
  return order;
}

}  // namespace qd::train
