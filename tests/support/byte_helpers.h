#pragma once
// In-memory byte sources and gzip for tests of the decoding and chunking stages.

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "qd/pipeline/byte_source.h"

namespace qd::test {

// Serves a string in reads of at most `step` bytes, to exercise every boundary. (The fuzz
// targets of the stream readers use it too, named "fuzz input".)
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string bytes, size_t step = 7, std::string name = "memory")
      : bytes_(std::move(bytes)), step_(step), name_(std::move(name)) {}
  size_t read(char* buffer, size_t size) override {
    const size_t n = std::min({size, step_, bytes_.size() - offset_});
    std::memcpy(buffer, bytes_.data() + offset_, n);
    offset_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }

 private:
  std::string bytes_;
  size_t step_;
  size_t offset_ = 0;
  std::string name_;
};

// One gzip member holding `text`.
inline std::string gzip(const std::string& text) {
  z_stream s{};
  if (deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&s, text.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  s.avail_in = static_cast<uInt>(text.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

// Everything a source yields, to its end.
inline std::string drain(ByteSource& source) {
  std::string out;
  char buffer[13];
  size_t n = 0;
  while ((n = source.read(buffer, sizeof buffer)) > 0) out.append(buffer, n);
  return out;
}

inline std::string decode(const std::string& bytes, bool* truncated = nullptr) {
  auto source = open_decoded(std::make_unique<StringSource>(bytes));
  std::string out = drain(*source);
  if (truncated != nullptr) *truncated = source->truncated();
  return out;
}

}  // namespace qd::test
