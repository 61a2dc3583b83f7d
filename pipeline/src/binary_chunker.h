#pragma once
// Cuts a stream of Google's binary records (binary_format.h) into chunks of whole records,
// framing each by walking its counts. Memory stays bounded whatever the counts claim: a record
// longer than the limit is walked past without being kept.

#include <cstdint>
#include <vector>

#include "line_chunker.h"

namespace qd {

class BinaryChunker final : public RecordChunker {
 public:
  // A record longer than `max_record_bytes` is read past and handed on as a stand-in
  // (LineChunk::too_long); a stream that ends inside a record hands on what there is of it as the
  // last record, with last_line_unterminated set. Records are numbered from 1 (first_line).
  BinaryChunker(ByteSource& source, size_t target_bytes = 1u << 20,
                size_t max_record_bytes = 64u << 20);

  bool next(LineChunk& chunk) override;
  uint64_t bytes_read() const override { return bytes_read_; }

 private:
  enum class Frame { kWhole, kTooLong, kCut };
  // Walks the record at the read position without consuming it: kWhole with `length` when it is
  // all buffered, kTooLong once it is longer than the limit, kCut when the stream ends inside it.
  Frame measure(uint64_t& length);
  // Consumes the record at the read position, which is too long to keep; its length.
  uint64_t skip_record(bool& cut);
  // At least `n` unconsumed bytes buffered; false when the stream ends first.
  bool fill(size_t n);
  // Consumes up to `n` bytes, buffered or not; how many there were.
  uint64_t drop(uint64_t n);
  size_t buffered() const { return end_ - pos_; }

  ByteSource& source_;
  size_t target_bytes_;
  size_t max_record_bytes_;
  std::vector<char> pending_;  // read from the source; pending_[pos_, end_) is not yet consumed
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;  // stream offset of pending_[pos_]
  uint64_t next_sequence_ = 0;
  uint64_t next_record_ = 1;
  uint64_t bytes_read_ = 0;
  bool eof_ = false;
};

}  // namespace qd
