#pragma once
// A file read through zlib's gz* functions, which read plain files unchanged: every reader takes
// a file gzipped or not without being told which.

#include <zlib.h>

#include <string>

#include "byte_input.h"

namespace qd::images {

class GzFileInput : public ByteInput {
 public:
  // Throws ImageInputError naming `path` when it cannot be opened.
  explicit GzFileInput(std::string path);
  ~GzFileInput() override;
  GzFileInput(const GzFileInput&) = delete;
  GzFileInput& operator=(const GzFileInput&) = delete;

  // A gzip stream cut short is an error ("ends early"), never a short read that looks like the
  // end of the data.
  size_t read(uint8_t* out, size_t n) override;
  const std::string& name() const override { return path_; }

  // Whether the file is gzipped (after the first read).
  bool gzipped() const { return gzdirect(file_) == 0; }

 private:
  void check_error();

  std::string path_;
  gzFile file_ = nullptr;
};

}  // namespace qd::images
