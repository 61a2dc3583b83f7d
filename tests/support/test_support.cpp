#include "test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace qd::test {

CommandResult run_command(const std::string& command_line) {
  CommandResult result;
  const std::string full = command_line + " 2>&1";
  std::FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command_line);
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

int spawn(const std::string& command_line) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string exec = "exec " + command_line + " >/dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", exec.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid < 0) throw std::runtime_error("cannot fork for: " + command_line);
  return pid;
}

int wait_exit_code(int pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

uint64_t little_endian(const std::string& bytes, size_t at, int width) {
  if (at + static_cast<size_t>(width) > bytes.size()) {
    throw std::runtime_error("zip_records: truncated archive");
  }
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) {
    v = (v << 8U) | static_cast<uint8_t>(bytes[at + static_cast<size_t>(i)]);
  }
  return v;
}

}  // namespace

std::vector<ZipRecord> zip_records(const std::string& archive) {
  // The end of central directory record: "PK\5\6", its entries at +10, the directory's offset
  // at +16 (archives under 4 GiB, as the tests write).
  const size_t end = archive.rfind(std::string("PK\5\6", 4));
  if (end == std::string::npos) throw std::runtime_error("zip_records: not a zip archive");
  const uint64_t entries = little_endian(archive, end + 10, 2);
  size_t at = little_endian(archive, end + 16, 4);
  std::vector<ZipRecord> records;
  for (uint64_t i = 0; i < entries; ++i) {
    if (archive.compare(at, 4, std::string("PK\1\2", 4)) != 0) {
      throw std::runtime_error("zip_records: bad central directory");
    }
    ZipRecord r;
    r.size = little_endian(archive, at + 20, 4);
    const uint64_t name = little_endian(archive, at + 28, 2);
    const uint64_t extra = little_endian(archive, at + 30, 2);
    const uint64_t comment = little_endian(archive, at + 32, 2);
    const uint64_t local = little_endian(archive, at + 42, 4);
    r.name = archive.substr(at + 46, name);
    // The local header: its own name and extra field (LibTorch pads records with it) lengths.
    r.data_offset =
        local + 30 + little_endian(archive, local + 26, 2) + little_endian(archive, local + 28, 2);
    records.push_back(r);
    at += 46 + name + extra + comment;
  }
  return records;
}

}  // namespace qd::test
