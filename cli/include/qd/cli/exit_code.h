#pragma once
// The exit codes of every qd tool: one table, so that a script or a cron job can act on them the
// same way whichever tool it runs. The README shows it.

namespace qd::cli {

enum ExitCode : int {
  kOk = 0,             // done
  kFailed = 1,         // could not be done: bad or unreadable input, I/O error
  kUsage = 2,          // bad command line, or it names something unusable (unknown category, ...)
  kPartial = 3,        // done, but not all of it (rejected lines, failed categories)
  kLocked = 4,         // another process is writing the same output
  kInterrupted = 130,  // SIGINT or SIGTERM (128 + SIGINT); nothing half-written is left
};

}  // namespace qd::cli
