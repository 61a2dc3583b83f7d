#pragma once
// NumPy's .npy format (version 1.0): what qd writes (images, key_ids) and what it reads
// (its own shards and Google's numpy_bitmap files), memory-mapped.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qd/store/atomic_file.h"
#include "qd/store/store_error.h"

namespace qd {

// Streams rows of a C-order array to an .npy file whose first dimension is only known at the
// end. The header is written last, over a fixed-size reservation; the file appears atomically.
class NpyWriter {
 public:
  // descr: NumPy's type string, e.g. "|u1" or "<u8". row_shape: every dimension but the first.
  NpyWriter(std::string path, std::string descr, std::vector<uint64_t> row_shape);

  void append(const void* rows, uint64_t count);
  // Writes the header, fsyncs and renames into place. Returns the file's CRC-32 (zlib's).
  uint32_t commit();

  uint64_t rows() const { return rows_; }
  uint64_t row_bytes() const { return row_bytes_; }
  uint64_t file_size() const { return file_.size(); }  // what the file will hold, header included

 private:
  AtomicFile file_;
  std::string descr_;
  std::vector<uint64_t> row_shape_;
  uint64_t row_bytes_ = 0;
  uint64_t rows_ = 0;
  uint32_t data_crc_ = 0;
};

// The header of an .npy file: the exact bytes NumPy expects (padded to a 64-byte boundary).
std::string npy_header(const std::string& descr, const std::vector<uint64_t>& shape,
                       size_t min_length = 0);

// A read-only memory map of an .npy file. Throws StoreError naming the file for anything
// that is not a readable, C-order .npy of the size its header promises.
class MappedNpy {
 public:
  explicit MappedNpy(const std::string& path);
  ~MappedNpy();
  MappedNpy(const MappedNpy&) = delete;
  MappedNpy& operator=(const MappedNpy&) = delete;

  const std::string& path() const { return path_; }
  const std::string& descr() const { return descr_; }
  const std::vector<uint64_t>& shape() const { return shape_; }
  uint64_t rows() const { return shape_.empty() ? 1 : shape_[0]; }
  uint64_t row_bytes() const { return row_bytes_; }
  const uint8_t* data() const { return data_; }
  const uint8_t* row(uint64_t i) const { return data_ + i * row_bytes_; }
  // The whole file, header included (for checksums).
  const uint8_t* file_bytes() const { return static_cast<const uint8_t*>(map_); }
  uint64_t file_size() const { return map_size_; }
  // Takes the map's pages out of this process's resident memory (they stay in the page cache and
  // come back when read): after a checksum has read the whole file, so that verifying 4 GB of
  // shards before training does not leave 4 GB resident.
  void release_pages() const;

 private:
  std::string path_;
  std::string descr_;
  std::vector<uint64_t> shape_;
  uint64_t row_bytes_ = 0;
  void* map_ = nullptr;
  uint64_t map_size_ = 0;
  const uint8_t* data_ = nullptr;
};

}  // namespace qd
