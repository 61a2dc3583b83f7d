#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "prefixed_source.h"
#include "qd/pipeline/byte_source.h"

namespace qd {
namespace {

constexpr size_t kInputBlock = size_t{256} * 1024;

class GzipSource final : public ByteSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> inner, std::vector<char> first_bytes)
      : inner_(std::move(inner)), input_(std::move(first_bytes)) {
    std::memset(&stream_, 0, sizeof stream_);
    // 15 + 16: a gzip wrapper with the largest window.
    if (inflateInit2(&stream_, 15 + 16) != Z_OK) {
      throw SourceError(inner_->name() + ": cannot initialise zlib");
    }
    const size_t first = input_.size();
    input_.resize(std::max(first, kInputBlock));
    stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
    stream_.avail_in = static_cast<uInt>(first);
  }
  ~GzipSource() override { inflateEnd(&stream_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  size_t read(char* buffer, size_t size) override {
    if (size == 0) return 0;  // inflate could make no progress, and the loop would never end
    stream_.next_out = reinterpret_cast<Bytef*>(buffer);
    stream_.avail_out = static_cast<uInt>(size);
    while (stream_.avail_out == size && !finished_) {
      if (stream_.avail_in == 0 && !input_ended_ && !refill()) input_ended_ = true;
      if (input_ended_ && stream_.avail_in == 0 && !in_member_) {
        finished_ = true;  // the input ended cleanly, between members
        break;
      }
      const bool new_member = !in_member_;
      in_member_ = true;
      const uInt room = stream_.avail_out;
      const int rc = inflate(&stream_, Z_NO_FLUSH);
      if (rc == Z_BUF_ERROR && input_ended_ && stream_.avail_out == room) {
        // No input left, and zlib has given all it held for the bytes it consumed (a match still
        // being copied, bits not yet decoded: output a small buffer may not have had room for):
        // the member is cut short.
        truncated_ = true;
        finished_ = true;
        break;
      }
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        ++members_;
        consumed_ += stream_.total_in;
        // Another member may follow (multi-member gzip): start over on the remaining input.
        inflateReset(&stream_);
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        if (new_member && members_ > 0) {
          throw SourceError(inner_->name() + ": bytes after gzip member " +
                            std::to_string(members_) + " (from compressed byte " +
                            std::to_string(consumed_) +
                            ") are not gzip data: trailing garbage, or a damaged file");
        }
        throw SourceError(inner_->name() + ": corrupt gzip data in member " +
                          std::to_string(members_ + 1) + ", after compressed byte " +
                          std::to_string(consumed_ + stream_.total_in) + ": " +
                          (stream_.msg != nullptr ? stream_.msg : "zlib error"));
      }
    }
    return size - stream_.avail_out;
  }

  bool truncated() const override { return truncated_; }
  const std::string& name() const override { return inner_->name(); }

 private:
  bool refill() {
    const size_t n = inner_->read(input_.data(), input_.size());
    stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
    stream_.avail_in = static_cast<uInt>(n);
    return n > 0;
  }

  std::unique_ptr<ByteSource> inner_;
  std::vector<char> input_;
  z_stream stream_{};
  bool in_member_ = false;
  uint64_t members_ = 0;      // complete members inflated
  uint64_t consumed_ = 0;     // their compressed bytes
  bool input_ended_ = false;  // the inner source has returned 0
  bool finished_ = false;
  bool truncated_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> open_decoded(std::unique_ptr<ByteSource> inner) {
  std::vector<char> head(2);
  size_t got = 0;
  while (got < head.size()) {
    const size_t n = inner->read(head.data() + got, head.size() - got);
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  const bool gzip = got == 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
                    static_cast<unsigned char>(head[1]) == 0x8b;
  if (gzip) return std::make_unique<GzipSource>(std::move(inner), std::move(head));
  return std::make_unique<PrefixedSource>(std::move(inner), std::string(head.begin(), head.end()));
}

}  // namespace qd
