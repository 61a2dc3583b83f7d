#pragma once
// Files that appear whole or not at all: written under a temporary name in the same directory,
// flushed to disk, then renamed over the destination. A crash at any moment leaves either the
// old file or the new one, never a mix.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace qd {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);  // throws std::runtime_error naming the path
  ~AtomicFile();                          // not committed: the temporary file is removed
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }
  // Overwrites bytes already written, at `offset` from the start (for headers known at the end).
  void write_at(uint64_t offset, const void* data, size_t size);
  // fsync, rename over the destination, fsync the directory.
  void commit();

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }

 private:
  [[noreturn]] void fail(const char* what) const;

  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
};

void write_file_atomically(const std::string& path, std::string_view bytes);

// The whole file. Throws StoreError naming the path if it cannot be read.
std::string read_file(const std::string& path);

// fsync a directory, so that renames inside it are on disk.
void sync_directory(const std::string& dir);

}  // namespace qd
