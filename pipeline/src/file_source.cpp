#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "qd/pipeline/byte_source.h"

namespace qd {
namespace {

class FileSource final : public ByteSource {
 public:
  explicit FileSource(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw SourceError(path_ + ": cannot open: " + std::strerror(errno));
  }
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // A read interrupted by a signal fails: the tools' only handled signals ask them to stop.
  size_t read(char* buffer, size_t size) override {
    const ssize_t n = ::read(fd_, buffer, size);
    if (n < 0) throw SourceError(path_ + ": read failed: " + std::strerror(errno));
    return static_cast<size_t>(n);
  }
  const std::string& name() const override { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

std::unique_ptr<ByteSource> open_file_source(const std::string& path) {
  return std::make_unique<FileSource>(path);
}

}  // namespace qd
