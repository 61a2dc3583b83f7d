#include "qd/report/step_csv.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "qd/store/atomic_file.h"

namespace qd::train {

std::vector<std::string> complete_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    lines.push_back(text.substr(start, end - start));
  }
  return lines;
}

LineAppender::LineAppender(std::string path, const std::string& text) : path_(std::move(path)) {
  write_file_atomically(path_, text);
  file_ = std::fopen(path_.c_str(), "ab");
  if (file_ == nullptr) {
    throw std::runtime_error(path_ + ": cannot append: " + std::strerror(errno));
  }
}

LineAppender::~LineAppender() {
  if (file_ != nullptr) std::fclose(file_);
}

void LineAppender::append(const std::string& line) {
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    throw std::runtime_error(path_ + ": cannot write: " + std::strerror(errno));
  }
}

}  // namespace qd::train
