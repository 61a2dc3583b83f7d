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

#include "qd/store/store_error.h"

namespace qd {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kPreamble = 10;  // magic (6), version (2), header length (2)
// Room for any shape NpyWriter can produce, so the header can be rewritten in place.
constexpr size_t kReservedHeader = 128;

uint64_t element_size(const std::string& descr) {
  if (descr.size() < 3) return 0;
  const char kind = descr[1];
  if (kind != 'u' && kind != 'i' && kind != 'f' && kind != 'b') return 0;
  uint64_t size = 0;
  const char* end = descr.data() + descr.size();
  const auto r = std::from_chars(descr.data() + 2, end, size);
  return r.ec == std::errc() && r.ptr == end ? size : 0;
}

[[noreturn]] void bad(const std::string& path, const std::string& why) {
  throw StoreError(path + ": not a valid .npy file: " + why);
}

// Finds `'key':` in NumPy's header dict and returns the position after the colon.
size_t find_key(const std::string& header, const std::string& key, const std::string& path) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) bad(path, "header has no '" + key + "'");
  const auto colon = header.find(':', at);
  if (colon == std::string::npos) bad(path, "header is malformed");
  return colon + 1;
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
  row_bytes_ = element_size(descr_);
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
    size_t header_length = 0;
    size_t header_start = 0;
    if (bytes[6] == 1) {
      header_length = bytes[8] | (bytes[9] << 8);
      header_start = 10;
    } else if (bytes[6] == 2 || bytes[6] == 3) {
      if (map_size_ < 12) bad(path, "truncated header");
      header_length = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (size_t{bytes[11]} << 24);
      header_start = 12;
    } else {
      bad(path, "unsupported format version " + std::to_string(bytes[6]));
    }
    if (header_start + header_length > map_size_) bad(path, "truncated header");
    const std::string header(reinterpret_cast<const char*>(bytes) + header_start, header_length);
    // NumPy's header is one Python dict literal, padded with spaces, ending in a newline.
    const size_t dict_open = header.find_first_not_of(' ');
    const size_t dict_close = header.find_last_not_of(" \n");
    if (dict_open == std::string::npos || header[dict_open] != '{' || header[dict_close] != '}' ||
        header.back() != '\n') {
      bad(path, "the header is not one {...} dictionary ending in a newline");
    }

    size_t at = header.find('\'', find_key(header, "descr", path));
    const size_t close = header.find('\'', at + 1);
    if (at == std::string::npos || close == std::string::npos) bad(path, "malformed descr");
    descr_ = header.substr(at + 1, close - at - 1);

    at = find_key(header, "fortran_order", path);
    if (header.compare(header.find_first_not_of(' ', at), 4, "True") == 0) {
      bad(path, "Fortran-order arrays are not supported");
    }

    at = header.find('(', find_key(header, "shape", path));
    const size_t end = header.find(')', at);
    if (at == std::string::npos || end == std::string::npos) bad(path, "malformed shape");
    const std::string dims = header.substr(at + 1, end - at - 1);
    size_t pos = 0;
    while (pos < dims.size()) {
      const size_t comma = dims.find(',', pos);
      const std::string item =
          dims.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      const size_t first = item.find_first_not_of(' ');
      if (first != std::string::npos) {
        const size_t last = item.find_last_not_of(' ');
        uint64_t d = 0;
        const auto r = std::from_chars(item.data() + first, item.data() + last + 1, d);
        if (r.ec != std::errc() || r.ptr != item.data() + last + 1) {
          bad(path, "shape dimension '" + item.substr(first, last + 1 - first) +
                        "' is not a whole number that fits 64 bits");
        }
        shape_.push_back(d);
      }
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }

    const uint64_t element = element_size(descr_);
    if (element == 0) bad(path, "unsupported dtype '" + descr_ + "'");
    // The sizes the shape implies, refused before they can overflow.
    uint64_t total = element;
    row_bytes_ = element;
    for (size_t i = 0; i < shape_.size(); ++i) {
      if (shape_[i] != 0 && total > UINT64_MAX / shape_[i]) {
        bad(path, "shape " + dims + " is larger than any file");
      }
      total *= shape_[i];
      if (i > 0) row_bytes_ *= shape_[i];
    }
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

MappedNpy::~MappedNpy() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

}  // namespace qd
