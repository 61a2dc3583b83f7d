#pragma once
// One writer per output: an advisory lock (flock) on a lock file (qd_prepare's
// `<out>/.qd_prepare.lock`, qd_train's `<run>/.qd_train.lock`) holding the writer's pid. The
// kernel drops it when the process dies, even by kill -9, so a crash never leaves it stuck.

#include <optional>
#include <string>

namespace qd {

class RunLock {
 public:
  // The lock, or nullopt when another process holds it (`holder` then says which, if known).
  // Throws std::runtime_error if the lock file cannot be created.
  static std::optional<RunLock> try_acquire(const std::string& path, std::string* holder = nullptr);

  RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

 private:
  explicit RunLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace qd
