#pragma once
// tests/support/http_test_server.py serving a directory on a loopback port, for the life of the
// object (the server also exits by itself after `lifetime_s` seconds, a minute by default, or when
// the test process is gone).

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "test_support.h"

namespace qd::test {

class HttpTestServer {
 public:
  explicit HttpTestServer(const fs::path& root, int lifetime_s = 60) {
    int out[2];
    REQUIRE(::pipe(out) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      const std::string script = std::string(QD_SOURCE_DIR) + "/tests/support/http_test_server.py";
      const std::string lifetime = std::to_string(lifetime_s);
      ::execlp("python3", "python3", script.c_str(), root.c_str(), "--lifetime", lifetime.c_str(),
               nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    std::FILE* first_line = ::fdopen(out[0], "r");
    REQUIRE(first_line != nullptr);
    char line[32] = {};
    const bool got = std::fgets(line, sizeof line, first_line) != nullptr;
    std::fclose(first_line);
    REQUIRE_MESSAGE(got, "the test server did not start");
    port_ = std::atoi(line);
    REQUIRE(port_ > 0);
  }
  ~HttpTestServer() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  // The URL of `path` on the server ("" for the root).
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace qd::test
