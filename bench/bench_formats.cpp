// Parsing Google's binary format against parsing simplified ndjson, per drawing, in the same run:
// the same 8,600 real drawings (../shared/quickdraw/simplified/, every file in name order), once
// as ndjson lines and once as binary records written in Google's published layout. Two figures
// each: the parser alone on records already cut out, and the chunker and parser together on the
// whole stream in memory (what qd_prepare's workers and reader do before rendering).
//
//   bench_formats [DIR] [--seconds S]
// DIR defaults to ../shared/quickdraw/simplified beside the source tree; each measurement runs
// for about S seconds (default 2) and the best of three counts.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "binary_chunker.h"
#include "line_chunker.h"
#include "qd/pipeline/binary_format.h"
#include "qd/pipeline/drawing_parser.h"
#include "quickdraw_binary.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

class MemorySource final : public qd::ByteSource {
 public:
  explicit MemorySource(const std::string& bytes) : bytes_(bytes) {}
  size_t read(char* buffer, size_t size) override {
    const size_t n = std::min(size, bytes_.size() - at_);
    std::memcpy(buffer, bytes_.data() + at_, n);
    at_ += n;
    return n;
  }
  const std::string& name() const override { return name_; }

 private:
  const std::string& bytes_;
  size_t at_ = 0;
  std::string name_ = "memory";
};

// Nanoseconds per drawing: `pass` handles all drawings once and returns how many it accepted.
double ns_per_drawing(double seconds, size_t drawings, const std::function<size_t()>& pass) {
  double best = 1e30;
  for (int round = 0; round < 3; ++round) {
    size_t passes = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      if (pass() != drawings) {
        std::fprintf(stderr, "bench_formats: a pass did not accept every drawing\n");
        std::exit(1);
      }
      ++passes;
      elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    } while (elapsed < seconds / 3);
    best = std::min(best, elapsed * 1e9 / static_cast<double>(passes * drawings));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::path(QD_SOURCE_DIR) / ".." / "shared" / "quickdraw" / "simplified";
  double seconds = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc) {
      seconds = std::max(0.1, std::atof(argv[++i]));
    } else {
      dir = arg;
    }
  }
  if (!fs::is_directory(dir)) {
    std::fprintf(stderr, "bench_formats: %s is absent: the benchmark needs the real drawings\n",
                 dir.c_str());
    return 1;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());

  // The drawings as ndjson lines (each followed by the parser's padding, as LineChunk holds
  // them) and as binary records.
  std::string text;
  std::string binary;
  std::vector<std::string> lines;
  std::vector<std::string> records;
  qd::DrawingParser parser;
  qd::Drawing d;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (parser.parse_unpadded(line, d)) continue;
      text += line + "\n";
      lines.push_back(line + std::string(qd::DrawingParser::kPadding, '\0'));
      records.push_back(qd::test::binary_record(d));
      binary += records.back();
    }
  }
  const size_t n = lines.size();

  const double ndjson_parse = ns_per_drawing(seconds, n, [&] {
    size_t ok = 0;
    for (const std::string& l : lines) {
      ok += !parser.parse({l.data(), l.size() - qd::DrawingParser::kPadding}, d);
    }
    return ok;
  });
  const double binary_parse = ns_per_drawing(seconds, n, [&] {
    size_t ok = 0;
    for (const std::string& r : records) ok += !qd::parse_binary_record(r, d);
    return ok;
  });
  const auto whole = [&](const std::string& stream, bool is_binary) {
    return [&stream, is_binary, &parser, &d] {
      MemorySource source(stream);
      std::unique_ptr<qd::RecordChunker> chunker;
      if (is_binary) {
        chunker = std::make_unique<qd::BinaryChunker>(source);
      } else {
        chunker = std::make_unique<qd::LineChunker>(source);
      }
      qd::LineChunk chunk;
      size_t ok = 0;
      while (chunker->next(chunk)) {
        for (size_t i = 0; i < chunk.lines.size(); ++i) {
          ok += is_binary ? !qd::parse_binary_record(chunk.line(i), d)
                          : !parser.parse(chunk.line(i), d);
        }
      }
      return ok;
    };
  };
  const double ndjson_stream = ns_per_drawing(seconds, n, whole(text, false));
  const double binary_stream = ns_per_drawing(seconds, n, whole(binary, true));

  std::printf("Parsing %zu real drawings (%s), 1 thread, best of 3\n\n", n, dir.c_str());
  std::printf(
      "| | simplified ndjson | Google's binary | binary speed-up |\n|---|---:|---:|---:|\n");
  std::printf("| bytes | %zu | %zu | %.2fx smaller |\n", text.size(), binary.size(),
              static_cast<double>(text.size()) / static_cast<double>(binary.size()));
  std::printf("| parser alone, ns/drawing | %.0f | %.0f | %.1fx |\n", ndjson_parse, binary_parse,
              ndjson_parse / binary_parse);
  std::printf("| chunker + parser, ns/drawing | %.0f | %.0f | %.1fx |\n", ndjson_stream,
              binary_stream, ndjson_stream / binary_stream);
  return 0;
}
