#pragma once
// Cuts a byte stream into chunks of whole records: the unit of work of the pipeline and of
// qd_render. LineChunker cuts ndjson into lines; BinaryChunker (binary_chunker.h) cuts Google's
// binary format into records. Each chunk's buffer is padded so the parser can read past any
// record's end.

#include <cstdint>
#include <string_view>
#include <vector>

#include "qd/pipeline/byte_source.h"

namespace qd {

struct LineChunk {
  uint64_t sequence = 0;    // 0, 1, 2, ... in stream order
  uint64_t first_line = 1;  // 1-based line number of lines[0] in the stream
  std::vector<char> bytes;  // the lines' text, then DrawingParser::kPadding zero bytes
  struct Span {
    uint32_t offset;
    uint32_t length;  // without the newline (and without a '\r' before it)
  };
  std::vector<Span> lines;
  // Lines longer than the chunker's limit, skipped without being kept in memory: the first
  // too_long.size() lines of the chunk are empty stand-ins, too_long[i] their length in bytes.
  std::vector<uint64_t> too_long;
  // Set on the last chunk when the stream's last line had no newline (binary: the stream ended
  // inside its last record): a record possibly cut off.
  bool last_line_unterminated = false;
  // Binary records only: the stream offset of each record (lines[i]), for messages.
  std::vector<uint64_t> offsets;

  // Emptied for the chunk numbered `sequence`, whose first line (record) is `first`.
  void start(uint64_t sequence_number, uint64_t first) {
    bytes.clear();
    lines.clear();
    too_long.clear();
    offsets.clear();
    last_line_unterminated = false;
    sequence = sequence_number;
    first_line = first;
  }

  std::string_view line(size_t i) const {
    return {bytes.data() + lines[i].offset, lines[i].length};
  }
  uint64_t line_number(size_t i) const { return first_line + i; }
};

// What the flow graph reads chunks from.
class RecordChunker {
 public:
  virtual ~RecordChunker() = default;
  // Fills `chunk` with the next whole records (about the target size of them); false at the end.
  virtual bool next(LineChunk& chunk) = 0;
  // Bytes consumed from the source so far (after decompression).
  virtual uint64_t bytes_read() const = 0;
};

class LineChunker final : public RecordChunker {
 public:
  // A line longer than `max_line_bytes` is read past (its bytes are not kept) and handed on as a
  // stand-in (LineChunk::too_long), so no input can make a chunk larger than about
  // target_bytes + max_line_bytes. A UTF-8 byte order mark at the start of the stream is dropped.
  explicit LineChunker(ByteSource& source, size_t target_bytes = 1u << 20,
                       size_t max_line_bytes = 64u << 20);

  // Fills `chunk` with the next whole lines (about target_bytes of them); false at the end.
  bool next(LineChunk& chunk) override;

  // Bytes consumed from the source so far (after decompression).
  uint64_t bytes_read() const override { return bytes_read_; }

 private:
  // Reads past the rest of a line too long to keep, up to its newline (kept bytes after it go to
  // `b`). Returns the line's length.
  uint64_t skip_line(std::vector<char>& b);

  ByteSource& source_;
  size_t target_bytes_;
  size_t max_line_bytes_;
  std::vector<char> carry_;  // the partial line after the last newline of the previous chunk
  uint64_t next_sequence_ = 0;
  uint64_t next_line_ = 1;
  uint64_t bytes_read_ = 0;
  bool eof_ = false;
  bool bom_checked_ = false;
};

}  // namespace qd
