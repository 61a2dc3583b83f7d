#pragma once
// Puts a finished directory in place of the previous one in a single step, so that a reader or a
// crash at any moment sees either the old dataset or the new one, never a mix or nothing.

#include <string>

namespace qd {

// Moves `staged` to `dest`. If `dest` exists, the two are exchanged atomically (Linux
// renameat2 RENAME_EXCHANGE) and the old one, now at `staged`, is removed. Both must be on the
// same filesystem. Throws std::runtime_error naming the paths.
void install_directory(const std::string& staged, const std::string& dest);

// Removes a directory tree (symbolic links as links, not followed); no error if it does not
// exist. Use it, not std::filesystem::remove_all, in anything that links LibTorch (see the .cpp).
void remove_tree(const std::string& path);

}  // namespace qd
