#include "qd/store/npy.h"

#include <doctest/doctest.h>
#include <zlib.h>

#include <cstring>
#include <numeric>
#include <vector>

#include "test_support.h"

TEST_CASE("npy headers are NumPy's, padded to 64 bytes") {
  const std::string h = qd::npy_header("|u1", {3, 28, 28});
  CHECK(h.size() % 64 == 0);
  CHECK(h.substr(0, 6) == "\x93NUMPY");
  CHECK(h.back() == '\n');
  CHECK(h.find("{'descr': '|u1', 'fortran_order': False, 'shape': (3, 28, 28), }") == 10);
  CHECK(qd::npy_header("<u8", {5}).find("'shape': (5,), }") != std::string::npos);
}

TEST_CASE("NpyWriter streams rows, fixes the header at the end and reports the file's CRC") {
  qd::test::ScratchDir dir("npy_writer");
  const auto path = (dir / "images.npy").string();
  std::vector<uint8_t> rows(5 * 4 * 4);
  std::iota(rows.begin(), rows.end(), 0);
  uint32_t crc = 0;
  {
    qd::NpyWriter writer(path, "|u1", {4, 4});
    writer.append(rows.data(), 2);
    writer.append(rows.data() + 32, 3);
    CHECK_FALSE(qd::test::fs::exists(path));  // nothing visible before commit
    crc = writer.commit();
  }
  const std::string bytes = qd::test::read_file(path);
  CHECK(crc == crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));

  qd::MappedNpy npy(path);
  CHECK(npy.descr() == "|u1");
  CHECK(npy.shape() == std::vector<uint64_t>{5, 4, 4});
  CHECK(npy.row_bytes() == 16);
  CHECK(std::memcmp(npy.data(), rows.data(), rows.size()) == 0);
  CHECK(qd::test::fs::directory_iterator(dir.path())->path().filename() == "images.npy");
}

TEST_CASE("an NpyWriter that is never committed leaves nothing behind") {
  qd::test::ScratchDir dir("npy_abandoned");
  {
    qd::NpyWriter writer((dir / "x.npy").string(), "<u8", {});
    const uint64_t key = 42;
    writer.append(&key, 1);
  }
  CHECK(qd::test::fs::is_empty(dir.path()));
}

TEST_CASE("MappedNpy rejects files that are not what their header says") {
  qd::test::ScratchDir dir("npy_bad");
  const auto write = [&](const std::string& name, const std::string& bytes) {
    const auto path = dir / name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return path.string();
  };
  CHECK_THROWS_WITH(qd::MappedNpy(write("text.npy", "hello world, not numpy")),
                    doctest::Contains("not a valid .npy file"));
  CHECK_THROWS_WITH(qd::MappedNpy(write("short.npy", qd::npy_header("|u1", {2, 3}) + "abc")),
                    doctest::Contains("header promises 6 data bytes, file has 3"));
  CHECK_THROWS_WITH(qd::MappedNpy(write("float.npy", qd::npy_header("<c8", {1}) + "12345678")),
                    doctest::Contains("unsupported dtype"));
  CHECK_THROWS_WITH(qd::MappedNpy((dir / "missing.npy").string()),
                    doctest::Contains("cannot open"));
}

TEST_CASE("a shape that is not whole numbers, or too large for any file, is named") {
  qd::test::ScratchDir dir("npy_bad_shape");
  const auto write = [&](const std::string& shape) {
    std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + shape + "), }";
    dict.resize(117, ' ');
    dict += '\n';
    std::string header = "\x93NUMPY\x01";
    header += '\0';
    header += static_cast<char>(dict.size() & 0xff);
    header += static_cast<char>(dict.size() >> 8);
    qd::test::write_file(dir / "a.npy", header + dict);
  };
  write("1e21, 784");
  CHECK_THROWS_WITH_AS(qd::MappedNpy((dir / "a.npy").string()),
                       doctest::Contains("shape dimension '1e21' is not a whole number"),
                       qd::StoreError);
  write("4294967296, 4294967296, 784");
  CHECK_THROWS_WITH_AS(qd::MappedNpy((dir / "a.npy").string()),
                       doctest::Contains("is larger than any file"), qd::StoreError);
}

TEST_CASE("a header that is not one whole {...} dictionary is refused") {
  qd::test::ScratchDir dir("npy_open_header");
  std::string dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (1, 4), ";  // no '}'
  dict.resize(117, ' ');
  dict += '\n';
  std::string header = "\x93NUMPY\x01";
  header += '\0';
  header += static_cast<char>(dict.size());
  header += '\0';
  qd::test::write_file(dir / "a.npy", header + dict + "abcd");
  CHECK_THROWS_WITH_AS(qd::MappedNpy((dir / "a.npy").string()),
                       doctest::Contains("not one {...} dictionary"), qd::StoreError);
}
