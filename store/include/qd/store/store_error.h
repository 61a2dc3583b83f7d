#pragma once
// What the store's readers throw: a file that is not what it should be. The message names the
// file and what is wrong with it.

#include <stdexcept>

namespace qd {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file whose own structure or checksums say its bytes are not the ones written: flipped,
// truncated, or not the format at all. Its message names the file and says "corrupt".
class CorruptFileError : public StoreError {
 public:
  using StoreError::StoreError;
};

}  // namespace qd
