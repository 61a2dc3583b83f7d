// The exit-code table every tool follows (README, "Exit codes"): a usage error (2) and an
// interruption (130), here for qd_render and qd_prepare; tests/trainer does the trainer's tools.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "test_support.h"

using qd::test::quoted;
using qd::test::run_command;

namespace {

// Starts `command_line`, lets it block on `fifo` (nobody writes to it), sends SIGTERM and
// returns the exit code.
int exit_code_after_sigterm(const std::string& command_line) {
  const int pid = qd::test::spawn(command_line);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ::kill(pid, SIGTERM);
  return qd::test::wait_exit_code(pid);
}

}  // namespace

TEST_CASE("qd_render: usage error 2, SIGTERM 130 with no output written") {
  qd::test::ScratchDir dir("exit_codes_render");
  const auto usage = run_command(std::string(QD_RENDER_EXE) + " --size 0 x.ndjson");
  CHECK(usage.exit_code == 2);
  CHECK(usage.output.find("qd_render: --size must be in 1..4096, not 0\nTry 'qd_render --help'.") !=
        std::string::npos);
  const auto fifo = dir / "cat.ndjson";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(exit_code_after_sigterm(std::string(QD_RENDER_EXE) + " " + quoted(fifo) + " --out " +
                                quoted(dir / "out.npy")) == 130);
  CHECK_FALSE(qd::test::fs::exists(dir / "out.npy"));
}

// qd_prepare's SIGTERM (130) is in refresh_safety_test.cpp: during a stalled download.
TEST_CASE("qd_prepare: usage error 2") {
  const auto usage = run_command(std::string(QD_PREPARE_EXE) + " --categories cat --shard-size 0");
  CHECK(usage.exit_code == 2);
  CHECK(usage.output.find("Try 'qd_prepare --help'.") != std::string::npos);
  CHECK(run_command(std::string(QD_PREPARE_EXE) + " --categories kat").exit_code == 2);
}
