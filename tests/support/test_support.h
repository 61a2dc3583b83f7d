#pragma once
// Helpers shared by the test suites: where the real data is, scratch directories, running the
// project's executables.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "qd/store/atomic_directory.h"

namespace qd::test {

namespace fs = std::filesystem;

// ../shared/quickdraw beside the checkout (or $QD_SHARED_QUICKDRAW), if it is there.
inline std::optional<fs::path> shared_quickdraw() {
  const char* env = std::getenv("QD_SHARED_QUICKDRAW");
  const fs::path dir =
      env != nullptr ? fs::path(env) : fs::path(QD_SOURCE_DIR) / ".." / "shared" / "quickdraw";
  if (fs::is_directory(dir / "simplified")) return fs::canonical(dir);
  return std::nullopt;
}

inline fs::path fixtures() {
  return fs::path(QD_SOURCE_DIR) / "tests" / "fixtures";
}

// A fresh directory under the build tree, removed when the object dies. Its name carries the
// process id: CTest runs test cases in parallel processes, and two of them may ask for one name.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(fs::path(QD_BINARY_DIR) / "scratch" / (name + "-" + std::to_string(::getpid()))) {
    qd::remove_tree(path_.string());
    fs::create_directories(path_);
  }
  ~ScratchDir() { qd::remove_tree(path_.string()); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, capturing its output.
CommandResult run_command(const std::string& command_line);

// Starts a command line in the background (exec'd by sh, so the pid is the program's own), its
// output discarded; wait_exit_code() collects it.
int spawn(const std::string& command_line);
int wait_exit_code(int pid);

// A path quoted for the shell.
inline std::string quoted(const fs::path& p) {
  return "'" + p.string() + "'";
}

std::string read_file(const fs::path& path);
void write_file(const fs::path& path, const std::string& bytes);

// A record of a zip archive (LibTorch's checkpoints are zip files): its name and where its stored
// bytes lie in the file, read from the central directory. Tests flip bytes inside them.
struct ZipRecord {
  std::string name;
  size_t data_offset = 0;
  size_t size = 0;  // as stored
};
std::vector<ZipRecord> zip_records(const std::string& archive);

}  // namespace qd::test

// Test cases that need ../shared begin with this: without it they pass after saying why.
#define QD_REQUIRE_SHARED(var)                                                               \
  const auto var##_opt = ::qd::test::shared_quickdraw();                                     \
  if (!var##_opt) {                                                                          \
    MESSAGE("skipped: ../shared/quickdraw is absent (set QD_SHARED_QUICKDRAW to its path)"); \
    return;                                                                                  \
  }                                                                                          \
  const ::qd::test::fs::path& var = *var##_opt
