#include "qd/cli/run_main.h"

#include <csignal>
#include <exception>
#include <iostream>
#include <string>

#include "qd/cli/command_line.h"

namespace qd::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop = true;
}

// Without SA_RESTART, so that a blocking read or open returns EINTR and the tool can stop.
void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  action.sa_flags = SA_RESETHAND;  // a second signal: the default action, at once
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::string first_line(const char* message) {
  const std::string text(message);
  return text.substr(0, text.find('\n'));
}

}  // namespace

const std::atomic<bool>& stop_requested() {
  return g_stop;
}

int run_main(const char* tool, const std::function<int()>& body) noexcept {
  install_stop_handlers();
  int code = kFailed;
  try {
    code = body();
  } catch (const UsageError& e) {
    std::cerr << tool << ": " << e.what() << "\nTry '" << tool << " --help'.\n";
    code = kUsage;
  } catch (const std::invalid_argument& e) {
    std::cerr << tool << ": " << e.what() << "\n";
    code = kUsage;
  } catch (const std::exception& e) {
    if (!g_stop) std::cerr << tool << ": " << first_line(e.what()) << "\n";
    code = kFailed;
  } catch (...) {
    std::cerr << tool << ": failed (an error that is not a std::exception)\n";
    code = kFailed;
  }
  if (g_stop) {
    std::cerr << tool << ": interrupted\n";
    return kInterrupted;
  }
  return code;
}

}  // namespace qd::cli
