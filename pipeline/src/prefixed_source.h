#pragma once
// A source whose first bytes were read ahead (to look at a gzip magic number, or at the first
// record's format): hands them out again, then the rest of the source.

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "qd/pipeline/byte_source.h"

namespace qd {

class PrefixedSource final : public ByteSource {
 public:
  // Owns `inner`.
  PrefixedSource(std::unique_ptr<ByteSource> inner, std::string head)
      : owned_(std::move(inner)), inner_(*owned_), head_(std::move(head)) {}
  // Borrows `inner`, which must outlive this source.
  PrefixedSource(ByteSource& inner, std::string head) : inner_(inner), head_(std::move(head)) {}

  size_t read(char* buffer, size_t size) override {
    if (at_ < head_.size()) {
      const size_t n = std::min(size, head_.size() - at_);
      std::memcpy(buffer, head_.data() + at_, n);
      at_ += n;
      return n;
    }
    return inner_.read(buffer, size);
  }
  bool truncated() const override { return inner_.truncated(); }
  const std::string& name() const override { return inner_.name(); }

 private:
  std::unique_ptr<ByteSource> owned_;
  ByteSource& inner_;
  std::string head_;
  size_t at_ = 0;
};

}  // namespace qd
