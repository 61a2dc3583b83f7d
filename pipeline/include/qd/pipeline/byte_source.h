#pragma once
// Where input bytes come from: a pull interface, so that decoding and line splitting can sit on
// top of files, HTTP transfers or decompressors alike.

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

namespace qd {

// A source that cannot be read: the message names it and says why.
class SourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `size` bytes into `buffer`; returns 0 only at the end. Throws SourceError.
  virtual size_t read(char* buffer, size_t size) = 0;
  // True when the bytes ended where a complete stream could not end (a gzip member cut short).
  virtual bool truncated() const { return false; }
  // A name for messages: a path or a URL.
  virtual const std::string& name() const = 0;
};

// Reads a local file. Throws SourceError naming the path if it cannot be opened.
std::unique_ptr<ByteSource> open_file_source(const std::string& path);

// Wraps `inner`: if its first bytes are the gzip magic (1f 8b) the data is inflated (every
// member of a multi-member file, as `gzip -c a b` writes them), else passed through as it is.
// Corrupt compressed data throws SourceError; a stream that ends inside a member sets truncated().
std::unique_ptr<ByteSource> open_decoded(std::unique_ptr<ByteSource> inner);

}  // namespace qd
