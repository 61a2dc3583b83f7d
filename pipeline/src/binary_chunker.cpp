#include "binary_chunker.h"

#include <algorithm>
#include <cstring>

#include "qd/pipeline/binary_format.h"
#include "qd/pipeline/drawing_parser.h"

namespace qd {
namespace {

uint16_t u16(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(b[0] | (b[1] << 8));
}

constexpr size_t kReadBytes = 65536;

}  // namespace

BinaryChunker::BinaryChunker(ByteSource& source, size_t target_bytes, size_t max_record_bytes)
    : source_(source),
      target_bytes_(std::max<size_t>(target_bytes, 1024)),
      max_record_bytes_(std::max<size_t>(max_record_bytes, kBinaryHeaderBytes)) {}

bool BinaryChunker::fill(size_t n) {
  while (buffered() < n && !eof_) {
    if (pos_ > 0) {  // keep only the unconsumed bytes, at the front
      std::memmove(pending_.data(), pending_.data() + pos_, buffered());
      end_ -= pos_;
      pos_ = 0;
    }
    // Grown once, never cleared: a source that hands out a byte at a time costs no more.
    if (pending_.size() < std::max(n, kReadBytes)) pending_.resize(std::max(n, kReadBytes));
    const size_t got = source_.read(pending_.data() + end_, pending_.size() - end_);
    end_ += got;
    bytes_read_ += got;
    if (got == 0) eof_ = true;
  }
  return buffered() >= n;
}

uint64_t BinaryChunker::drop(uint64_t n) {
  uint64_t dropped = 0;
  while (dropped < n) {
    if (buffered() == 0) {
      pos_ = end_ = 0;
      if (!fill(1)) break;
    }
    const auto step = static_cast<size_t>(std::min<uint64_t>(n - dropped, buffered()));
    pos_ += step;
    offset_ += step;
    dropped += step;
  }
  return dropped;
}

BinaryChunker::Frame BinaryChunker::measure(uint64_t& length) {
  length = kBinaryHeaderBytes;
  if (!fill(kBinaryHeaderBytes)) return Frame::kCut;
  const uint16_t strokes = u16(pending_.data() + pos_ + 15);
  for (uint16_t s = 0; s < strokes; ++s) {
    if (length + 2 > max_record_bytes_) return Frame::kTooLong;
    if (!fill(length + 2)) return Frame::kCut;
    length += 2 + 2 * uint64_t{u16(pending_.data() + pos_ + length)};
    if (length > max_record_bytes_) return Frame::kTooLong;
  }
  return fill(length) ? Frame::kWhole : Frame::kCut;
}

uint64_t BinaryChunker::skip_record(bool& cut) {
  cut = true;
  // key_id, countrycode, recognized and timestamp; then the counts, walked as they arrive.
  uint64_t length = drop(kBinaryHeaderBytes - 2);
  if (!fill(2)) return length + drop(buffered());
  const uint16_t strokes = u16(pending_.data() + pos_);
  length += drop(2);
  for (uint16_t s = 0; s < strokes; ++s) {
    if (!fill(2)) return length + drop(buffered());
    const uint64_t points = u16(pending_.data() + pos_);
    length += drop(2);
    const uint64_t got = drop(2 * points);
    length += got;
    if (got < 2 * points) return length;
  }
  cut = false;
  return length;
}

bool BinaryChunker::next(LineChunk& chunk) {
  chunk.start(next_sequence_, next_record_);
  while (chunk.bytes.size() < target_bytes_ && fill(1)) {
    uint64_t length = 0;
    const Frame frame = measure(length);
    if (frame == Frame::kTooLong) {
      // Stand-ins come first in a chunk (LineChunk::too_long): a long record after kept ones
      // starts the next chunk.
      if (chunk.lines.size() > chunk.too_long.size()) break;
      const uint64_t at = offset_;
      bool cut = false;
      chunk.too_long.push_back(skip_record(cut));
      chunk.lines.push_back({0, 0});
      chunk.offsets.push_back(at);
      if (cut) chunk.last_line_unterminated = true;
      continue;
    }
    // kCut: what there is of the last record, which the parser will find cut short.
    const size_t n = frame == Frame::kWhole ? static_cast<size_t>(length) : buffered();
    chunk.lines.push_back({static_cast<uint32_t>(chunk.bytes.size()), static_cast<uint32_t>(n)});
    chunk.offsets.push_back(offset_);
    chunk.bytes.insert(chunk.bytes.end(), pending_.begin() + static_cast<std::ptrdiff_t>(pos_),
                       pending_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
    pos_ += n;
    offset_ += n;
    if (frame == Frame::kCut) chunk.last_line_unterminated = true;
  }
  chunk.bytes.insert(chunk.bytes.end(), DrawingParser::kPadding, '\0');
  next_record_ += chunk.lines.size();
  ++next_sequence_;
  return !chunk.lines.empty();
}

}  // namespace qd
