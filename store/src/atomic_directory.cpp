#include "qd/store/atomic_directory.h"

#include <fcntl.h>
#include <stdio.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "qd/store/atomic_file.h"

namespace qd {

void remove_tree(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

void install_directory(const std::string& staged, const std::string& dest) {
  namespace fs = std::filesystem;
  const std::string parent = fs::path(dest).parent_path().string();
  if (fs::exists(dest)) {
    if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, dest.c_str(), RENAME_EXCHANGE) != 0) {
      throw std::runtime_error("cannot exchange " + staged + " with " + dest + ": " +
                               std::strerror(errno));
    }
    sync_directory(parent.empty() ? "." : parent);
    remove_tree(staged);  // the previous version
  } else {
    if (std::rename(staged.c_str(), dest.c_str()) != 0) {
      throw std::runtime_error("cannot rename " + staged + " to " + dest + ": " +
                               std::strerror(errno));
    }
    sync_directory(parent.empty() ? "." : parent);
  }
}

}  // namespace qd
