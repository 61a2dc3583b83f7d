#pragma once
// What the fuzz targets share: a check that stops the run with a message (libFuzzer keeps the
// input that failed it), a scratch directory for readers that take paths, and the splitting of
// one input into several files.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace qd::fuzz {

// An invariant of the code under test. Unlike assert() it holds in every build type.
#define QD_FUZZ_CHECK(condition, what)                                                 \
  do {                                                                                 \
    if (!(condition)) {                                                                \
      std::fprintf(stderr, "invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   std::string(what).c_str(), #condition);                             \
      std::abort();                                                                    \
    }                                                                                  \
  } while (false)

// Parts of a multi-file input are separated by this line (the dictionaries hold it, so the
// fuzzer can add and remove parts).
inline constexpr std::string_view kPartSeparator = "\n=qd-fuzz-part=\n";

inline std::vector<std::string_view> split_parts(std::string_view input, size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const size_t at = input.find(kPartSeparator);
    if (at == std::string_view::npos) break;
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kPartSeparator.size());
  }
  parts.push_back(input);
  return parts;
}

// One directory per fuzzing process, emptied for each input and removed at exit. On /dev/shm
// when it is there: the readers under test take paths, and a million inputs go through it.
class ScratchDir {
 public:
  // `name` tells apart the directories of one process.
  explicit ScratchDir(const std::string& name = "") {
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm")
                                           ? "/dev/shm"
                                           : std::filesystem::temp_directory_path();
    path_ = base / ("qd-fuzz-" + std::to_string(::getpid()) + name);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  // Removes what the previous input left.
  void clear() {
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      std::filesystem::remove_all(entry.path());
    }
  }

  std::string write(const std::string& name, std::string_view bytes) const {
    const std::string path = (path_ / name).string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    QD_FUZZ_CHECK(f != nullptr, "cannot create " + path);
    QD_FUZZ_CHECK(std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size(),
                  "cannot write " + path);
    QD_FUZZ_CHECK(std::fclose(f) == 0, "cannot close " + path);
    return path;
  }

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace qd::fuzz
