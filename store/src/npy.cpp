#include "qd/store/npy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "npy_header.h"
#include "qd/store/store_error.h"

namespace qd {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kPreamble = 10;  // magic (6), version (2), header length (2)
// Room for any shape NpyWriter can produce, so the header can be rewritten in place.
constexpr size_t kReservedHeader = 128;

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw StoreError(path + ": not a valid .npy file: " + why);
}

std::string shape_text(const std::vector<uint64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string npy_header(const std::string& descr, const std::vector<uint64_t>& shape,
                       size_t min_length) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  size_t total = kPreamble + dict.size() + 1;  // + the closing newline
  const size_t wanted = std::max(total, min_length);
  const size_t padded = (wanted + 63) / 64 * 64;
  dict.append(padded - total, ' ');
  dict += '\n';
  std::string header(kMagic, 6);
  header += '\x01';
  header += '\x00';
  const auto length = static_cast<uint16_t>(dict.size());
  header += static_cast<char>(length & 0xff);
  header += static_cast<char>(length >> 8);
  return header + dict;
}

NpyWriter::NpyWriter(std::string path, std::string descr, std::vector<uint64_t> row_shape)
    : file_(std::move(path)), descr_(std::move(descr)), row_shape_(std::move(row_shape)) {
  row_bytes_ = npy::element_size(descr_);
  if (row_bytes_ == 0) throw std::invalid_argument("npy: unsupported dtype " + descr_);
  for (uint64_t d : row_shape_) row_bytes_ *= d;
  file_.write(std::string(kReservedHeader, ' '));
}

void NpyWriter::append(const void* rows, uint64_t count) {
  const uint64_t bytes = count * row_bytes_;
  file_.write(rows, bytes);
  data_crc_ = static_cast<uint32_t>(crc32_z(data_crc_, static_cast<const Bytef*>(rows), bytes));
  rows_ += count;
}

uint32_t NpyWriter::commit() {
  std::vector<uint64_t> shape{rows_};
  shape.insert(shape.end(), row_shape_.begin(), row_shape_.end());
  const std::string header = npy_header(descr_, shape, kReservedHeader);
  if (header.size() != kReservedHeader) {
    throw std::runtime_error(file_.path() + ": npy header does not fit its reservation");
  }
  file_.write_at(0, header.data(), header.size());
  file_.commit();
  const auto header_crc = static_cast<uint32_t>(
      crc32_z(0, reinterpret_cast<const Bytef*>(header.data()), header.size()));
  return static_cast<uint32_t>(
      crc32_combine(header_crc, data_crc_, static_cast<z_off_t>(rows_ * row_bytes_)));
}

MappedNpy::MappedNpy(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw StoreError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw StoreError(path + ": cannot stat: " + std::strerror(errno));
  }
  map_size_ = static_cast<uint64_t>(st.st_size);
  if (map_size_ < kPreamble) {
    ::close(fd);
    bad(path, "only " + std::to_string(map_size_) + " bytes");
  }
  map_ = ::mmap(nullptr, map_size_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    throw StoreError(path + ": cannot map: " + std::strerror(errno));
  }
  try {
    const auto* bytes = static_cast<const uint8_t*>(map_);
    if (std::memcmp(bytes, kMagic, 6) != 0) bad(path, "no \\x93NUMPY magic");
    if (bytes[7] != 0 || (bytes[6] != 1 && bytes[6] != 2 && bytes[6] != 3)) {
      bad(path, "unsupported format version " + std::to_string(bytes[6]) + "." +
                    std::to_string(bytes[7]));
    }
    size_t header_length = bytes[8] | (bytes[9] << 8);
    size_t header_start = 10;
    if (bytes[6] != 1) {  // 2.0 and 3.0: a 4-byte length
      if (map_size_ < 12) bad(path, "truncated header");
      header_length |= (bytes[10] << 16) | (size_t{bytes[11]} << 24);
      header_start = 12;
    }
    if (header_start + header_length > map_size_) bad(path, "truncated header");
    npy::Header header;
    try {
      header =
          npy::parse_header({reinterpret_cast<const char*>(bytes) + header_start, header_length});
    } catch (const std::invalid_argument& e) {
      bad(path, e.what());
    }
    if (header.fortran_order) bad(path, "Fortran-order arrays are not supported");
    descr_ = header.descr;
    shape_ = header.shape;

    const uint64_t element = npy::element_size(descr_);
    if (element == 0) bad(path, "unsupported dtype '" + descr_ + "'");
    // The sizes the shape implies, refused before they can overflow: a row (every dimension but
    // the first) and the whole array, each on its own, since a first dimension of 0 hides nothing.
    row_bytes_ = element;
    for (size_t i = 1; i < shape_.size(); ++i) {
      if (shape_[i] != 0 && row_bytes_ > UINT64_MAX / shape_[i]) {
        bad(path, "a row of shape " + shape_text(shape_) + " is larger than any file");
      }
      row_bytes_ *= shape_[i];
    }
    const uint64_t rows = shape_.empty() ? 1 : shape_[0];
    if (rows != 0 && row_bytes_ > UINT64_MAX / rows) {
      bad(path, "shape " + shape_text(shape_) + " is larger than any file");
    }
    const uint64_t total = rows * row_bytes_;
    data_ = bytes + header_start + header_length;
    const uint64_t available = map_size_ - (header_start + header_length);
    if (total != available) {
      bad(path, "header promises " + std::to_string(total) + " data bytes, file has " +
                    std::to_string(available));
    }
  } catch (...) {
    ::munmap(map_, map_size_);
    map_ = nullptr;
    throw;
  }
}

void MappedNpy::release_pages() const {
  // Advice only: a kernel that declines it costs memory, never correctness.
  if (map_ != nullptr) ::madvise(map_, map_size_, MADV_DONTNEED);
}

MappedNpy::~MappedNpy() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

}  // namespace qd
