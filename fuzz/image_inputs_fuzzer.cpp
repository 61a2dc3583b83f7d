// The IDX and CIFAR-10 readers (qd::images) on bytes as a user's download may hold them: the
// input is an images file, optionally followed by the part separator and a labels file. Checked:
// what a reader accepts is exactly what the format says (sizes, no byte missing or extra, labels
// 0 to 9, pixels moved from CHW to HWC); the same bytes read from memory, from a plain file and
// from a gzipped file give the same result or the same error; a gzip stream cut short is an error
// that says so; every error is an ImageInputError naming the file; CIFAR-10 detection accepts
// exactly what the reader accepts; read_idx on the pair agrees with the parts' readers.

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "byte_input.h"
#include "cifar10.h"
#include "fuzz_support.h"
#include "gz_file.h"
#include "idx.h"
#include "qd/images/image_set.h"

namespace {

using qd::ImageInputError;
using qd::images::ByteInput;
using qd::images::GzFileInput;
using qd::images::MemoryInput;

uint32_t big_endian(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// A reader's outcome: its data, or its error's message.
struct Outcome {
  bool ok = false;
  std::vector<uint8_t> data;
  std::vector<int> labels;
  uint64_t count = 0;  // images or labels read
  std::string error;
  bool operator==(const Outcome& o) const {
    return ok == o.ok && data == o.data && labels == o.labels && count == o.count &&
           error == o.error;
  }
};

template <typename F>
Outcome run(ByteInput& in, F read) {
  Outcome outcome;
  try {
    read(in, outcome);
    outcome.ok = true;
  } catch (const ImageInputError& e) {
    outcome.error = e.what();
    QD_FUZZ_CHECK(outcome.error.rfind(in.name() + ": ", 0) == 0, "the error names the input");
  }
  return outcome;
}

void idx_images(ByteInput& in, Outcome& out) {
  auto images = qd::images::parse_idx_images(in);
  QD_FUZZ_CHECK(images.count > 0 && images.side > 0, "at least one image of at least one pixel");
  QD_FUZZ_CHECK(images.pixels.size() == uint64_t{images.count} * images.side * images.side,
                "count x side x side pixels");
  out.data = std::move(images.pixels);
  out.count = images.count;
}

void idx_labels(ByteInput& in, Outcome& out) {
  out.data = qd::images::parse_idx_labels(in);
  out.count = out.data.size();
}

void cifar(ByteInput& in, Outcome& out) {
  qd::ImageSet set;
  qd::images::append_cifar10(in, set);
  out.data = std::move(set.pixels);
  out.labels = std::move(set.labels);
}

std::string gzip(std::string_view bytes, int level) {
  z_stream s{};
  QD_FUZZ_CHECK(deflateInit2(&s, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK,
                "deflateInit2");
  std::string out(deflateBound(&s, static_cast<uLong>(bytes.size())), '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  s.avail_in = static_cast<uInt>(bytes.size());
  s.next_out = reinterpret_cast<Bytef*>(&out[0]);
  s.avail_out = static_cast<uInt>(out.size());
  QD_FUZZ_CHECK(deflate(&s, Z_FINISH) == Z_STREAM_END, "deflate");
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

bool gzip_magic(std::string_view bytes) {
  return bytes.size() >= 2 && bytes[0] == '\x1f' && bytes[1] == '\x8b';
}

// The reader on `bytes` from memory, from a plain file and from a gzipped file: one outcome (the
// file's, which differs from the memory's for bytes that are gzip already). A gzip stream cut
// short is refused as such.
template <typename F>
Outcome check_sources(qd::fuzz::ScratchDir& dir, std::string_view bytes, F read) {
  const std::string path = dir.write("input", bytes);
  MemoryInput memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
  const Outcome from_memory = run(memory, read);
  {
    GzFileInput plain(path);
    const Outcome from_file = run(plain, read);
    // zlib reads a file starting with gzip's magic as gzip (its errors still name the file);
    // any other file as the bytes it holds.
    if (gzip_magic(bytes)) return from_file;
    QD_FUZZ_CHECK(from_file == from_memory, "a plain file reads as the bytes in memory");
  }
  const std::string gz = gzip(bytes, 1);
  dir.write("input", gz);
  {
    GzFileInput gzipped(path);
    QD_FUZZ_CHECK(run(gzipped, read) == from_memory, "a gzipped file reads as the bytes");
  }
  // Cut inside the stream (the trailer included): an error, and one that says so.
  dir.write("input", std::string_view(gz).substr(0, gz.size() - 1 - bytes.size() % 8));
  GzFileInput cut(path);
  const Outcome cut_outcome = run(cut, read);
  QD_FUZZ_CHECK(!cut_outcome.ok, "a cut gzip stream is refused");
  // Bytes refused for what they hold may be refused so before the end is reached.
  QD_FUZZ_CHECK(cut_outcome.error.find("ends early") != std::string::npos ||
                    (!from_memory.ok && cut_outcome.error == from_memory.error),
                "a cut gzip stream is called so: " + cut_outcome.error);
  return from_memory;
}

void check_idx(qd::fuzz::ScratchDir& dir, std::string_view images, std::string_view labels,
               bool have_labels) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(images.data());
  const Outcome read_images = check_sources(dir, images, idx_images);
  if (read_images.ok && !gzip_magic(images)) {
    // Exactly the header and the pixels it promises.
    QD_FUZZ_CHECK(big_endian(bytes) == qd::images::kIdxImagesMagic, "the images magic");
    const uint64_t n = big_endian(bytes + 4);
    QD_FUZZ_CHECK(big_endian(bytes + 8) == big_endian(bytes + 12), "square");
    QD_FUZZ_CHECK(images.size() == 16 + read_images.data.size(), "no byte missing or extra");
    QD_FUZZ_CHECK(read_images.count == n && read_images.data.size() % n == 0, "whole images");
    QD_FUZZ_CHECK(std::memcmp(read_images.data.data(), bytes + 16, read_images.data.size()) == 0,
                  "the pixels as stored");
  }
  if (!have_labels) return;
  const Outcome read_labels = check_sources(dir, labels, idx_labels);
  if (read_labels.ok && !gzip_magic(labels)) {
    QD_FUZZ_CHECK(labels.size() == 8 + read_labels.data.size(), "no label missing or extra");
  }

  // The pair as files, through read_idx: it accepts exactly when both parts do and agree.
  dir.clear();
  const std::string images_path = dir.write("x-images-idx3-ubyte", images);
  dir.write("x-labels-idx1-ubyte", labels);
  try {
    const qd::ImageSet set = qd::read_idx(images_path);
    QD_FUZZ_CHECK(read_images.ok && read_labels.ok, "read_idx accepts what its parts accept");
    QD_FUZZ_CHECK(set.pixels == read_images.data, "the same pixels");
    QD_FUZZ_CHECK(set.size() == read_labels.count && set.size() == read_images.count &&
                      set.size() * set.image_bytes() == set.pixels.size(),
                  "one label per image");
    int largest = 0;
    for (const int label : set.labels) largest = std::max(largest, label);
    QD_FUZZ_CHECK(set.class_names.size() == static_cast<size_t>(largest) + 1,
                  "a name for every label value up to the largest");
  } catch (const ImageInputError& e) {
    const std::string message = e.what();
    QD_FUZZ_CHECK(!read_images.ok || !read_labels.ok || read_labels.count != read_images.count,
                  "read_idx refuses only what its parts refuse, or counts that differ");
    QD_FUZZ_CHECK(message.rfind(dir.str(), 0) == 0, "the error names a file of the pair");
  }
}

void check_cifar(qd::fuzz::ScratchDir& dir, std::string_view input) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(input.data());
  const Outcome read = check_sources(dir, input, cifar);
  bool looks = false;
  try {
    // As detect_image_input judges a file: a damaged gzip stream is no CIFAR-10.
    GzFileInput file(dir.write("again", input));
    looks = qd::images::looks_like_cifar10(file);
  } catch (const ImageInputError&) {
  }
  QD_FUZZ_CHECK(looks == read.ok, "CIFAR-10 detection accepts exactly what the reader accepts");
  if (!read.ok || gzip_magic(input)) return;
  const size_t records = input.size() / qd::images::kCifarRecordBytes;
  QD_FUZZ_CHECK(input.size() % qd::images::kCifarRecordBytes == 0 && records > 0, "whole records");
  QD_FUZZ_CHECK(read.labels.size() == records && read.data.size() == records * 3072,
                "a label and 3072 pixels a record");
  for (size_t r = 0; r < records; ++r) {
    const uint8_t* record = bytes + r * qd::images::kCifarRecordBytes;
    QD_FUZZ_CHECK(read.labels[r] == record[0] && record[0] <= 9, "the label byte, 0 to 9");
    for (size_t p = 0; p < 1024; ++p) {
      for (size_t c = 0; c < 3; ++c) {
        QD_FUZZ_CHECK(read.data[r * 3072 + 3 * p + c] == record[1 + c * 1024 + p],
                      "planar CHW moved to interleaved HWC");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static qd::fuzz::ScratchDir dir;
  dir.clear();
  const auto parts = qd::fuzz::split_parts(qd::fuzz::as_text(data, size), 2);
  check_idx(dir, parts[0], parts.size() > 1 ? parts[1] : std::string_view(), parts.size() > 1);
  dir.clear();
  check_cifar(dir, qd::fuzz::as_text(data, size));
  return 0;
}
