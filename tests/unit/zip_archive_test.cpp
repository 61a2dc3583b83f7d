// verify_zip_archive: every record's CRC-32, and the archive's structure, checked by libzip.
#include "qd/store/zip_archive.h"

#include <doctest/doctest.h>
#include <zip.h>

#include <string>
#include <utility>
#include <vector>

#include "qd/store/store_error.h"
#include "test_support.h"

namespace {

// A zip archive of `records` (name, bytes), stored or deflated, written by libzip.
void write_zip(const qd::test::fs::path& path,
               const std::vector<std::pair<std::string, std::string>>& records, bool deflate) {
  int error = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  REQUIRE(z != nullptr);
  for (const auto& [name, bytes] : records) {
    zip_source_t* source = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    REQUIRE(source != nullptr);
    const zip_int64_t index = zip_file_add(z, name.c_str(), source, ZIP_FL_OVERWRITE);
    REQUIRE(index >= 0);
    REQUIRE(zip_set_file_compression(z, static_cast<zip_uint64_t>(index),
                                     deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) == 0);
  }
  REQUIRE(zip_close(z) == 0);
}

// The CorruptFileError's message for `path`, or "" when it verifies.
std::string corruption(const qd::test::fs::path& path) {
  try {
    qd::verify_zip_archive(path.string());
  } catch (const qd::CorruptFileError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("zip archives: a flipped byte, a cut, an empty file or no zip at all is corrupt") {
  qd::test::ScratchDir dir("zip_archive");
  const std::string weights(100000, 'w');
  for (const bool deflate : {false, true}) {
    CAPTURE(deflate);
    const auto good = dir / "good.zip";
    write_zip(good, {{"archive/data.pkl", "pickle"}, {"archive/data/0", weights}}, deflate);
    CHECK(corruption(good).empty());
    const std::string bytes = qd::test::read_file(good);

    const auto records = qd::test::zip_records(bytes);
    REQUIRE(records.size() == 2);
    const auto flipped = dir / "flipped.zip";
    std::string changed = bytes;
    changed[records[1].data_offset + records[1].size / 2] ^= 0x20;
    qd::test::write_file(flipped, changed);
    const std::string message = corruption(flipped);
    CHECK_MESSAGE(message.rfind(flipped.string() + " is corrupt (", 0) == 0, message);
    CHECK_MESSAGE(message.find("archive/data/0") != std::string::npos, message);
    if (!deflate) CHECK(message.find("CRC mismatch in archive/data/0") != std::string::npos);

    for (const size_t keep : {bytes.size() - 1, bytes.size() / 2, size_t{10}}) {
      const auto cut = dir / "cut.zip";
      qd::test::write_file(cut, bytes.substr(0, keep));
      CHECK_MESSAGE(corruption(cut).rfind(cut.string() + " is corrupt (", 0) == 0, keep);
    }
  }
  const auto empty = dir / "empty.zip";
  qd::test::write_file(empty, "");
  CHECK(corruption(empty).rfind(empty.string() + " is corrupt (", 0) == 0);
  // An end of central directory and nothing else: a zip archive, but no file qd wrote.
  const auto no_records = dir / "no_records.zip";
  qd::test::write_file(no_records, std::string("PK\5\6", 4) + std::string(18, '\0'));
  CHECK(corruption(no_records) == no_records.string() + " is corrupt (an archive with no records)");
  const auto text = dir / "text.zip";
  qd::test::write_file(text, "just some text, no zip archive\n");
  CHECK(corruption(text).find(" is corrupt (not a zip archive") != std::string::npos);

  // A file that cannot be read is not called corrupt: nothing says its bytes changed.
  const auto missing = dir / "missing.zip";
  CHECK_THROWS_WITH_AS(qd::verify_zip_archive(missing.string()),
                       (missing.string() + ": cannot open: No such file or directory").c_str(),
                       qd::StoreError);
}
