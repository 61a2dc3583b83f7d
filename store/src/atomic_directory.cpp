#include "qd/store/atomic_directory.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "qd/store/atomic_file.h"

namespace qd {

namespace {

// For nftw with FTW_DEPTH: each entry after everything inside it.
int remove_entry(const char* path, const struct stat* /*info*/, int /*type*/, FTW* /*where*/) {
  ::remove(path);
  return 0;
}

}  // namespace

// Not std::filesystem::remove_all: PyTorch's pip wheels export their own copy of it from
// libtorch.so, which crashed (a call through a null pointer, seen on LibTorch 2.11) in every
// program that links that LibTorch and removes a tree.
void remove_tree(const std::string& path) {
  ::nftw(path.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
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
