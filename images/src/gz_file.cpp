#include "gz_file.h"

#include <cerrno>
#include <cstring>
#include <limits>

#include "qd/images/image_set.h"

namespace qd::images {

GzFileInput::GzFileInput(std::string path) : path_(std::move(path)) {
  errno = 0;
  file_ = gzopen(path_.c_str(), "rb");
  if (file_ == nullptr) {
    throw ImageInputError(
        path_ + ": cannot open: " + (errno != 0 ? std::strerror(errno) : "out of memory"));
  }
  // Datasets are read whole; zlib's 8 KiB default costs a system call every 8 KiB. (zlib also
  // allocates twice this for its output, per file opened.)
  gzbuffer(file_, 1 << 15);
}

GzFileInput::~GzFileInput() {
  gzclose_r(file_);
}

void GzFileInput::check_error() {
  int err = Z_OK;
  const char* message = gzerror(file_, &err);
  if (err == Z_OK) return;
  // zlib reports a stream that stops mid-way as Z_BUF_ERROR and still returns the bytes it had:
  // only this check tells a cut download from a short file.
  if (err == Z_BUF_ERROR) {
    throw ImageInputError(path_ +
                          ": ends early: the gzip stream is truncated (an interrupted download? "
                          "fetch the file again)");
  }
  if (err == Z_ERRNO) {
    throw ImageInputError(path_ + ": cannot read: " + std::strerror(errno));
  }
  throw ImageInputError(path_ + ": is not a valid gzip file: " + message);
}

size_t GzFileInput::read(uint8_t* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    const auto chunk =
        static_cast<unsigned>(std::min<size_t>(n - got, std::numeric_limits<int>::max() / 2 + 1));
    const int r = gzread(file_, out + got, chunk);
    if (r < 0) check_error();
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  check_error();
  return got;
}

}  // namespace qd::images
