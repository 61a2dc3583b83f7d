#pragma once
// The body of every qd tool's main(): one stop-signal handler, and one table from what went wrong
// to the exit code (exit_code.h).

#include <atomic>
#include <functional>

#include "qd/cli/exit_code.h"

namespace qd::cli {

// Set by the first SIGINT or SIGTERM (installed by run_main); a second one ends the process at
// once with the signal's default action. Long work polls it and stops at a safe point.
const std::atomic<bool>& stop_requested();

// Installs the stop handler, runs `body`, and returns its exit code, except that:
// - once a stop signal has arrived the code is kInterrupted, whatever the body returned or threw;
// - UsageError and std::invalid_argument: the message, "Try '<tool> --help'." for a UsageError,
//   and kUsage;
// - any other exception: its message (the first line only) and kFailed.
// Every message starts with "<tool>: ".
int run_main(const char* tool, const std::function<int()>& body) noexcept;

}  // namespace qd::cli
