#include "qd/store/stroke3.h"

#include <fcntl.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "qd/store/atomic_file.h"
#include "qd/store/json.h"
#include "qd/store/npy.h"
#include "qd/store/shard_set.h"
#include "qd/store/store_error.h"

namespace qd {
namespace fs = std::filesystem;
namespace {

using namespace std::string_literals;  // "..."s: pickle opcodes hold NUL bytes

// The pickle (protocol 2) of a 1-d object array of int16 [k, 3] arrays, as numpy's
// ndarray.__reduce__ makes it: _reconstruct(ndarray, (0,), 'b') then BUILD with the state
// (1, shape, dtype, is_fortran, data); an element's data is its raw bytes as a Python 2 string
// (numpy re-encodes it with latin1 when loaded with encoding='latin1'), the array's a list of
// the elements. Memo: 0 _reconstruct, 1 ndarray, 2 numpy.dtype, 3 the int16 dtype.
void put_string(std::string& out, std::string_view bytes) {
  if (bytes.size() < 256) {
    out += 'U';  // SHORT_BINSTRING
    out += static_cast<char>(bytes.size());
  } else {
    out += 'T';  // BINSTRING
    const auto n = static_cast<uint32_t>(bytes.size());
    for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  out += bytes;
}

void put_binint(std::string& out, int32_t value) {
  out += 'J';  // BININT: 4 bytes, little-endian, signed
  const auto v = static_cast<uint32_t>(value);
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// dtype(name, False, True) with its __setstate__ (3, order, None, None, None, -1, -1, flags).
std::string dtype(std::string_view name, char order, int flags) {
  std::string out = "h\x02"s;
  put_string(out, name);
  out += "K\x00K\x01\x87R(K\x03"s;
  put_string(out, std::string_view(&order, 1));
  out += "NNN";
  put_binint(out, -1);
  put_binint(out, -1);
  out += "K";
  out += static_cast<char>(flags);
  out += "tb";
  return out;
}

const std::string& pickle_prefix() {
  static const std::string prefix = [] {
    std::string p = "\x80\x02"s;                          // PROTO 2
    p += "cnumpy.core.multiarray\n_reconstruct\nq\x00"s;  // memo 0
    p += "cnumpy\nndarray\nq\x01"s;                       // memo 1
    p += "cnumpy\ndtype\nq\x02"s;                         // memo 2
    p += dtype("i2", '<', 0) + "q\x03"s + "0";            // memo 3, popped
    p += "h\x00h\x01K\x00\x85"s;
    put_string(p, "b");
    p += "\x87R(K\x01"s;  // _reconstruct(ndarray, (0,), 'b'); the state: (1, (n,), ...
    return p;
  }();
  return prefix;
}

// After the count: the shape's tuple, dtype('O8'), not Fortran, the list of elements begins.
const std::string& pickle_middle() {
  static const std::string middle = "\x85"s + dtype("O8", '|', 63) + "\x89]("s;
  return middle;
}

std::string element(const int16_t* rows, uint64_t count) {
  std::string e = "h\x00h\x01K\x00\x85"s;
  put_string(e, "b");
  e += "\x87R(K\x01"s;
  put_binint(e, static_cast<int32_t>(count));
  e += "K\x03\x86h\x03\x89"s;  // (count, 3), int16, not Fortran
  std::string data(count * 3 * sizeof(int16_t), '\0');
  for (uint64_t i = 0; i < count * 3; ++i) {
    const auto v = static_cast<uint16_t>(rows[i]);
    data[2 * i] = static_cast<char>(v & 0xff);
    data[2 * i + 1] = static_cast<char>(v >> 8);
  }
  put_string(e, data);
  return e + "tb";
}

constexpr std::string_view kPickleEnd = "etb.";  // APPENDS, the state's tuple, BUILD, STOP
constexpr size_t kHeaderBytes = 128;

uint32_t crc_of_file(const std::string& path, uint64_t* size) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw StoreError(path + ": cannot read: " + std::strerror(errno));
  uLong crc = crc32(0L, Z_NULL, 0);
  std::vector<unsigned char> buffer(1 << 20);
  uint64_t total = 0;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
    crc = crc32(crc, buffer.data(), static_cast<uInt>(n));
    total += n;
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw StoreError(path + ": read failed");
  *size = total;
  return static_cast<uint32_t>(crc);
}

[[noreturn]] void zip_failed(const std::string& path, const std::string& what, zip_t* z) {
  const std::string why = z != nullptr ? zip_strerror(z) : "";
  if (z != nullptr) zip_discard(z);
  throw StoreError(path + ": " + what + (why.empty() ? "" : ": " + why));
}

}  // namespace

Stroke3Split stroke3_split_of(uint64_t key_id, double val_fraction) {
  const double unit = split_unit(key_id);
  if (unit < val_fraction) return Stroke3Split::kValid;
  return unit < 2 * val_fraction ? Stroke3Split::kTest : Stroke3Split::kTrain;
}

void append_stroke3(const uint8_t* points_xy, const uint32_t* stroke_ends, size_t strokes,
                    std::vector<int16_t>& rows) {
  int prev_x = 0;
  int prev_y = 0;
  uint32_t begin = 0;
  for (size_t s = 0; s < strokes; ++s) {
    for (uint32_t p = begin; p < stroke_ends[s]; ++p) {
      const int x = points_xy[2 * p];
      const int y = points_xy[2 * p + 1];
      rows.push_back(static_cast<int16_t>(x - prev_x));
      rows.push_back(static_cast<int16_t>(y - prev_y));
      rows.push_back(p + 1 == stroke_ends[s] ? 1 : 0);
      prev_x = x;
      prev_y = y;
    }
    begin = stroke_ends[s];
  }
}

// One split's .npy, streamed: header and count patched at the end.
struct Stroke3Writer::Split {
  std::string path;
  AtomicFile file;
  uint64_t count = 0;
  uint64_t count_at = 0;  // where the pickle's BININT count starts

  explicit Split(std::string p) : path(p), file(std::move(p)) {
    file.write(npy_header("|O", {0}, kHeaderBytes));
    file.write(pickle_prefix());
    count_at = file.size() + 1;  // after the 'J'
    std::string count_text;
    put_binint(count_text, 0);
    file.write(count_text);
    file.write(pickle_middle());
  }
};

Stroke3Writer::Stroke3Writer(std::string directory, std::string file_name)
    : directory_(std::move(directory)), file_name_(std::move(file_name)) {
  for (size_t s = 0; s < 3; ++s) {
    splits_[s] = std::make_unique<Split>(
        (fs::path(directory_) / ("." + file_name_ + "." + kStroke3SplitNames[s] + ".npy"))
            .string());
  }
}

Stroke3Writer::~Stroke3Writer() {
  for (const auto& s : splits_) {
    if (s) std::remove(s->path.c_str());  // committed but not yet zipped, or zipped
  }
}

void Stroke3Writer::append(Stroke3Split split, const int16_t* rows, uint64_t count) {
  Split& s = *splits_[static_cast<size_t>(split)];
  constexpr uint64_t kMaxCount = std::numeric_limits<int32_t>::max();
  if (s.count == kMaxCount || count > kMaxCount / 3) {
    throw StoreError((fs::path(directory_) / file_name_).string() +
                     ": too many drawings in a split, or points in a drawing");
  }
  s.file.write(element(rows, count));
  ++s.count;
}

Stroke3Info Stroke3Writer::finish() {
  const std::string path = (fs::path(directory_) / file_name_).string();
  std::vector<uint64_t> npy_bytes;
  for (auto& s : splits_) {
    s->file.write(kPickleEnd);
    const std::string header = npy_header("|O", {s->count}, kHeaderBytes);
    s->file.write_at(0, header.data(), header.size());
    std::string count_text;
    put_binint(count_text, static_cast<int32_t>(s->count));
    s->file.write_at(s->count_at, count_text.data() + 1, 4);
    npy_bytes.push_back(s->file.size());
    s->file.commit();
  }
  int error = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (z == nullptr) {
    zip_error_t e;
    zip_error_init_with_code(&e, error);
    const std::string why = zip_error_strerror(&e);
    zip_error_fini(&e);
    throw StoreError(path + ": cannot create: " + why);
  }
  for (size_t i = 0; i < 3; ++i) {
    // Length -1: to the end of the file (libzip 1.7 has no ZIP_LENGTH_TO_END).
    zip_source_t* source = zip_source_file(z, splits_[i]->path.c_str(), 0, -1);
    if (source == nullptr) zip_failed(path, "cannot read " + splits_[i]->path, z);
    const std::string entry = std::string(kStroke3SplitNames[i]) + ".npy";
    const zip_int64_t index = zip_file_add(z, entry.c_str(), source, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(source);
      zip_failed(path, "cannot add " + entry, z);
    }
    // A fixed date (1980-01-01, the first a zip can hold), not the temporary file's: the same
    // drawings give the same bytes, as the shards do.
    if (zip_file_set_mtime(z, static_cast<zip_uint64_t>(index), 315532800, 0) != 0) {
      zip_failed(path, "cannot date " + entry, z);
    }
    // Deflated, as numpy.savez_compressed writes: the deltas are small numbers.
    if (zip_set_file_compression(z, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 0) != 0) {
      zip_failed(path, "cannot compress " + entry, z);
    }
  }
  if (zip_close(z) != 0) zip_failed(path, "cannot write", z);
  for (auto& s : splits_) {
    std::remove(s->path.c_str());
  }
  // On disk before the manifest that names it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw StoreError(path + ": cannot sync: " + std::strerror(errno));
  }
  ::close(fd);

  // What the zip holds: the three entries, each of the size written.
  z = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (z == nullptr) throw StoreError(path + ": written, but not a readable zip");
  for (size_t i = 0; i < 3; ++i) {
    const std::string entry = std::string(kStroke3SplitNames[i]) + ".npy";
    zip_stat_t st;
    if (zip_stat(z, entry.c_str(), 0, &st) != 0 || st.size != npy_bytes[i]) {
      zip_failed(path, "written, but its " + entry + " is missing or not the size written", z);
    }
  }
  zip_discard(z);

  Stroke3Info info;
  info.file = file_name_;
  info.crc32 = crc_of_file(path, &info.bytes);
  info.train = splits_[0]->count;
  info.valid = splits_[1]->count;
  info.test = splits_[2]->count;
  return info;
}

void verify_stroke3(const std::string& directory, const Stroke3Info& info) {
  const std::string path = (fs::path(directory) / info.file).string();
  const std::string rerun = " (run qd_prepare again to rebuild this category)";
  if (!fs::is_regular_file(path))
    throw StoreError(path + ": missing, but listed in manifest.json" + rerun);
  uint64_t bytes = 0;
  const uint32_t crc = crc_of_file(path, &bytes);
  if (bytes != info.bytes) {
    throw StoreError(path + ": " + std::to_string(bytes) + " bytes, manifest.json says " +
                     std::to_string(info.bytes) + rerun);
  }
  if (crc != info.crc32) {
    throw StoreError(path + ": CRC-32 " + hex32(crc) + " differs from " + hex32(info.crc32) +
                     " in manifest.json: the file is damaged" + rerun);
  }
}

}  // namespace qd
