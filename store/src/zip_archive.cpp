#include "qd/store/zip_archive.h"

#include <fcntl.h>
#include <unistd.h>
#include <zip.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "qd/store/store_error.h"

namespace qd {
namespace {

std::string zip_message(int code) {
  zip_error_t error;
  zip_error_init_with_code(&error, code);
  std::string text = zip_error_strerror(&error);
  zip_error_fini(&error);
  return text;
}

// The errors of the file's bytes, as opposed to those of the system reading them.
bool is_corruption(int code) {
  switch (code) {
    case ZIP_ER_CRC:
    case ZIP_ER_NOZIP:
    case ZIP_ER_INCONS:
    case ZIP_ER_EOF:
    case ZIP_ER_MULTIDISK:
    case ZIP_ER_COMPNOTSUPP:
    case ZIP_ER_ENCRNOTSUPP:
    case ZIP_ER_COMPRESSED_DATA:
    case ZIP_ER_ZLIB:
      return true;
    default:
      return false;
  }
}

[[noreturn]] void fail(const std::string& path, int code, const std::string& what) {
  if (is_corruption(code)) throw CorruptFileError(path + " is corrupt (" + what + ")");
  throw StoreError(path + ": cannot read: " + what);
}

}  // namespace

void verify_zip_archive(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw StoreError(path + ": cannot open: " + std::strerror(errno));
  int code = 0;
  zip_t* opened = zip_fdopen(fd, ZIP_CHECKCONS, &code);
  if (opened == nullptr) {
    ::close(fd);  // left open by zip_fdopen when it fails
    fail(path, code,
         code == ZIP_ER_NOZIP ? "not a zip archive: no end of central directory"
                              : zip_message(code));
  }
  const std::unique_ptr<zip_t, decltype(&zip_discard)> archive(opened, &zip_discard);
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  if (entries <= 0) throw CorruptFileError(path + " is corrupt (an archive with no records)");
  std::vector<char> buffer(1 << 20);
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(entries); ++i) {
    const char* name = zip_get_name(archive.get(), i, 0);
    const std::string record = name != nullptr ? name : "record " + std::to_string(i);
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive.get(), i, 0, &stat) != 0) {
      fail(path, zip_error_code_zip(zip_get_error(archive.get())),
           zip_strerror(archive.get()) + std::string(" in ") + record);
    }
    const std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(
        zip_fopen_index(archive.get(), i, 0), &zip_fclose);
    if (!file) {
      fail(path, zip_error_code_zip(zip_get_error(archive.get())),
           zip_strerror(archive.get()) + std::string(" in ") + record);
    }
    zip_uint64_t total = 0;
    for (;;) {
      const zip_int64_t n = zip_fread(file.get(), buffer.data(), buffer.size());
      if (n < 0) {
        zip_error_t* error = zip_file_get_error(file.get());
        const int read_code = zip_error_code_zip(error);
        fail(path, read_code,
             (read_code == ZIP_ER_CRC ? std::string("CRC mismatch") : zip_error_strerror(error)) +
                 " in " + record);
      }
      if (n == 0) break;
      total += static_cast<zip_uint64_t>(n);
    }
    if ((stat.valid & ZIP_STAT_SIZE) != 0 && total != stat.size) {
      throw CorruptFileError(path + " is corrupt (" + record + " holds " + std::to_string(total) +
                             " of its " + std::to_string(stat.size) + " bytes)");
    }
  }
}

}  // namespace qd
