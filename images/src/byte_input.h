#pragma once
// Where the readers' bytes come from: a file (gzipped or not) or, for the fuzz target and tests,
// memory. The IDX and CIFAR-10 parsers read through this, so a file and the same bytes in memory
// go through one code path and give the same errors.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace qd::images {

class ByteInput {
 public:
  virtual ~ByteInput() = default;
  // Fills `out` with up to `n` bytes, fewer only at the end of the data; throws ImageInputError
  // (naming the input) when the bytes cannot be read, a cut gzip stream included.
  virtual size_t read(uint8_t* out, size_t n) = 0;
  // The path errors name.
  virtual const std::string& name() const = 0;
};

class MemoryInput : public ByteInput {
 public:
  MemoryInput(const uint8_t* data, size_t size, std::string name)
      : data_(data), size_(size), name_(std::move(name)) {}
  size_t read(uint8_t* out, size_t n) override {
    const size_t k = std::min(n, size_ - at_);
    if (k > 0) std::memcpy(out, data_ + at_, k);
    at_ += k;
    return k;
  }
  const std::string& name() const override { return name_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
  std::string name_;
};

// No dataset qd reads comes near this many bytes of pixels (ImageNet at 64x64 is 15 GB, but at
// that size nobody feeds qd_train a single file); the cap keeps a few header bytes or a gzip bomb
// from asking for an allocation the machine cannot make.
inline constexpr uint64_t kMaxPixelBytes = uint64_t{1} << 31;

}  // namespace qd::images
