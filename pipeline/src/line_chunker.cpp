#include "line_chunker.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "qd/pipeline/drawing_parser.h"

namespace qd {

LineChunker::LineChunker(ByteSource& source, size_t target_bytes, size_t max_line_bytes)
    : source_(source),
      target_bytes_(std::max<size_t>(target_bytes, 1024)),
      max_line_bytes_(std::max<size_t>(max_line_bytes, 1)) {}

uint64_t LineChunker::skip_line(std::vector<char>& b) {
  uint64_t length = b.size();
  b.clear();
  std::vector<char> buffer(65536);
  for (;;) {
    const size_t n = source_.read(buffer.data(), buffer.size());
    bytes_read_ += n;
    if (n == 0) {
      eof_ = true;
      return length;
    }
    const auto* nl = static_cast<const char*>(std::memchr(buffer.data(), '\n', n));
    if (nl != nullptr) {
      const auto used = static_cast<size_t>(nl - buffer.data());
      b.assign(nl + 1, static_cast<const char*>(buffer.data()) + n);
      return length + used;
    }
    length += n;
  }
}

bool LineChunker::next(LineChunk& chunk) {
  if (eof_ && carry_.empty()) return false;
  chunk.start(next_sequence_, next_line_);
  chunk.bytes.swap(carry_);
  carry_.clear();

  // Read until the chunk holds target_bytes and at least one newline, or the source ends.
  size_t scanned = 0;  // bytes already searched for a newline
  size_t last_newline = std::string::npos;
  while (!eof_) {
    auto& b = chunk.bytes;
    // memchr must not see the null data() of an empty buffer, even for 0 bytes.
    if (last_newline == std::string::npos && b.size() > scanned) {
      const auto* found =
          static_cast<const char*>(std::memchr(b.data() + scanned, '\n', b.size() - scanned));
      if (found != nullptr) last_newline = static_cast<size_t>(found - b.data());
      scanned = b.size();
    }
    if (last_newline != std::string::npos && b.size() >= target_bytes_) break;
    if (last_newline == std::string::npos && b.size() > max_line_bytes_) {
      // `b` holds only the start of one line (no newline yet): too long to keep.
      chunk.too_long.push_back(skip_line(b));
      scanned = 0;
      continue;
    }
    const size_t old_size = b.size();
    const size_t want = std::max<size_t>(target_bytes_ - std::min(old_size, target_bytes_), 65536);
    b.resize(old_size + want);
    const size_t n = source_.read(b.data() + old_size, want);
    b.resize(old_size + n);
    bytes_read_ += n;
    if (!bom_checked_ && (b.size() >= 3 || n == 0)) {
      // The stream's first bytes (the first chunk holds them): a UTF-8 byte order mark is not
      // part of the first record.
      bom_checked_ = true;
      if (b.size() >= 3 && std::memcmp(b.data(), "\xEF\xBB\xBF", 3) == 0) {
        b.erase(b.begin(), b.begin() + 3);
        scanned = 0;  // positions have moved: search again
        last_newline = std::string::npos;
      }
    }
    if (n == 0) eof_ = true;
  }

  auto& b = chunk.bytes;
  // Keep everything after the last newline for the next chunk (unless the stream has ended).
  const auto* rbegin = b.data();
  size_t end = b.size();
  if (!eof_) {
    const auto* nl = static_cast<const char*>(memrchr(rbegin, '\n', b.size()));
    end = static_cast<size_t>(nl - rbegin) + 1;
    carry_.assign(b.begin() + static_cast<std::ptrdiff_t>(end), b.end());
  }
  for (size_t i = 0; i < chunk.too_long.size(); ++i) chunk.lines.push_back({0, 0});
  size_t start = 0;
  while (start < end) {
    const auto* nl = static_cast<const char*>(std::memchr(b.data() + start, '\n', end - start));
    const size_t line_end = nl != nullptr ? static_cast<size_t>(nl - b.data()) : end;
    size_t length = line_end - start;
    if (length > 0 && b[start + length - 1] == '\r') --length;
    chunk.lines.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(length)});
    if (nl == nullptr) chunk.last_line_unterminated = true;
    start = line_end + 1;
  }
  b.resize(end);
  b.insert(b.end(), DrawingParser::kPadding, '\0');
  next_line_ += chunk.lines.size();
  ++next_sequence_;
  return !chunk.lines.empty() || !eof_;
}

}  // namespace qd
