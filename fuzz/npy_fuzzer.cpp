// The .npy reader on one file's bytes. A file it accepts must be what docs/formats.md says it
// reads: a header that NumPy's own writer would produce the same fields from, and exactly the
// data bytes the shape and dtype promise, each row inside the file; anything else a StoreError
// that names the file.

#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_support.h"
#include "qd/store/npy.h"

namespace {

using u128 = unsigned __int128;

void check_accepted(const qd::MappedNpy& npy, size_t file_size) {
  QD_FUZZ_CHECK(npy.file_size() == file_size, "the whole file is mapped");
  const auto* begin = npy.file_bytes();
  const auto* end = begin + file_size;
  QD_FUZZ_CHECK(npy.data() >= begin + 10 && npy.data() <= end, "the data lies inside the file");
  const u128 data_bytes = static_cast<u128>(end - npy.data());

  // The element size, from the dtype, then every dimension: with no overflow anywhere.
  const std::string& descr = npy.descr();
  const u128 element = std::stoull(descr.substr(2));
  u128 total = element;
  u128 row = element;
  for (size_t i = 0; i < npy.shape().size(); ++i) {
    total *= npy.shape()[i];
    if (i > 0) row *= npy.shape()[i];
    QD_FUZZ_CHECK(row <= UINT64_MAX, "a row's size fits 64 bits");
  }
  QD_FUZZ_CHECK(total == data_bytes, "the data is exactly what the header promises");
  QD_FUZZ_CHECK(npy.row_bytes() == row, "row_bytes is the size of one row");
  QD_FUZZ_CHECK(static_cast<u128>(npy.rows()) * npy.row_bytes() == data_bytes,
                "rows() rows of row_bytes() fill the data");

  // The header says nothing NumPy's writer would not: writing it again gives the same fields.
  const std::string header = qd::npy_header(descr, npy.shape());
  QD_FUZZ_CHECK(header.find("'descr': '" + descr + "'") != std::string::npos, "descr rewritten");

  // Touch the first and last byte of every row (ASan sees a read outside the mapping).
  uint64_t sum = 0;
  for (uint64_t i = 0; i < npy.rows() && npy.row_bytes() > 0; ++i) {
    sum += npy.row(i)[0] + npy.row(i)[npy.row_bytes() - 1];
  }
  QD_FUZZ_CHECK(sum <= 510 * npy.rows(), "two bytes a row");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static qd::fuzz::ScratchDir dir;
  const std::string path = dir.write("input.npy", qd::fuzz::as_text(data, size));
  try {
    const qd::MappedNpy npy(path);
    check_accepted(npy, size);
    // What it read, written by qd's own writer, reads back the same.
    const std::string again =
        qd::npy_header(npy.descr(), npy.shape()) +
        std::string(reinterpret_cast<const char*>(npy.data()),
                    static_cast<size_t>(npy.file_bytes() + npy.file_size() - npy.data()));
    const std::string path2 = dir.write("again.npy", again);
    const qd::MappedNpy reread(path2);
    QD_FUZZ_CHECK(reread.descr() == npy.descr() && reread.shape() == npy.shape(),
                  "the header qd writes reads back as the header it read");
  } catch (const qd::StoreError& e) {
    QD_FUZZ_CHECK(std::string(e.what()).rfind(path + ": ", 0) == 0, "the error names the file");
  }
  return 0;
}
