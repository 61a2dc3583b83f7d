#include "console_progress.h"

#include <unistd.h>

#include <algorithm>

namespace qd {
namespace {

using Clock = std::chrono::steady_clock;

// 1234567 -> "1,234,567": counts people read at a glance.
std::string grouped(uint64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<size_t>(i), ",");
  }
  return digits;
}

std::string megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

std::string rejected_breakdown(const RejectCounts& r) {
  std::string s;
  for (size_t i = 0; i < kRejectReasonCount; ++i) {
    if (!s.empty()) s += ", ";
    s += std::string(to_string(static_cast<RejectReason>(i))) + " " + grouped(r.by_reason[i]);
  }
  return s;
}

}  // namespace

ConsoleProgress::ConsoleProgress(bool quiet) : quiet_(quiet), live_(::isatty(STDERR_FILENO) != 0) {}

void ConsoleProgress::clear_live_line() {
  if (line_open_) std::fputs("\r\033[K", stderr);
  line_open_ = false;
}

void ConsoleProgress::started(const std::string& category, const std::string& location) {
  shown_rejects_ = 0;
  hidden_rejects_ = 0;
  last_update_ = Clock::now();
  if (!quiet_ && !live_)
    std::fprintf(stderr, "qd_prepare: %s: source %s\n", category.c_str(), location.c_str());
}

void ConsoleProgress::progress(const std::string& category, const CategoryCounts& c,
                               uint64_t bytes_read, double seconds) {
  if (quiet_) return;
  const auto now = Clock::now();
  // A terminal line is redrawn a few times a second; a log gets a line every 10 seconds.
  const auto period = live_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(10000);
  if (now - last_update_ < period) return;
  last_update_ = now;
  const double rate = seconds > 0 ? static_cast<double>(c.read) / seconds : 0.0;
  const std::string text = category + ": " + megabytes(bytes_read) + ", " + grouped(c.read) +
                           " drawings (" + grouped(static_cast<uint64_t>(rate)) + "/s), kept " +
                           grouped(c.kept) + ", rejected " + grouped(c.rejected.total());
  if (live_) {
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    line_open_ = true;
  } else {
    std::fprintf(stderr, "qd_prepare: %s\n", text.c_str());
  }
  std::fflush(stderr);
}

void ConsoleProgress::rejected(const std::string& /*category*/, const std::string& location,
                               const RejectedRecord& r) {
  if (quiet_) return;
  if (shown_rejects_ == kShownRejects) {
    ++hidden_rejects_;
    return;
  }
  ++shown_rejects_;
  clear_live_line();
  if (r.offset) {  // a binary record: where it starts in the (decoded) file
    std::fprintf(stderr, "%s: record %llu at byte %llu: ", location.c_str(),
                 static_cast<unsigned long long>(r.line),
                 static_cast<unsigned long long>(*r.offset));
  } else {
    std::fprintf(stderr, "%s:%llu: ", location.c_str(), static_cast<unsigned long long>(r.line));
  }
  if (r.key_id != 0)
    std::fprintf(stderr, "key_id %llu: ", static_cast<unsigned long long>(r.key_id));
  std::fprintf(stderr, "%s: %s\n", to_string(r.reason), r.detail.c_str());
}

void ConsoleProgress::warning(const std::string& category, const std::string& message) {
  clear_live_line();
  std::fprintf(stderr, "qd_prepare: %s: warning: %s\n", category.c_str(), message.c_str());
}

void ConsoleProgress::finished(const CategoryReport& r) {
  clear_live_line();
  if (r.status == CategoryStatus::kFailed) {
    std::fprintf(stderr, "qd_prepare: %s: FAILED: %s (the previous output, if any, is unchanged)\n",
                 r.category.c_str(), r.error.c_str());
    return;
  }
  if (r.status == CategoryStatus::kBusy) {
    std::fprintf(stderr, "qd_prepare: %s: skipped: %s\n", r.category.c_str(), r.error.c_str());
    return;
  }
  if (quiet_) return;
  if (hidden_rejects_ > 0) {
    std::fprintf(stderr, "qd_prepare: %s: %zu more malformed or truncated records not shown\n",
                 r.category.c_str(), hidden_rejects_);
  }
  const CategoryCounts& c = r.manifest.counts;
  switch (r.status) {
    case CategoryStatus::kUpToDate:
      std::fprintf(stderr, "qd_prepare: %s: up to date (%s unchanged), %s drawings kept\n",
                   r.category.c_str(), r.location.c_str(), grouped(c.kept).c_str());
      break;
    case CategoryStatus::kInterrupted:
      std::fprintf(stderr, "qd_prepare: %s: interrupted; the previous output is unchanged\n",
                   r.category.c_str());
      break;
    default:
      std::fprintf(stderr,
                   "qd_prepare: %s: %s read, %s kept (train %s, val %s); rejected: %s; %.1f s\n",
                   r.category.c_str(), grouped(c.read).c_str(), grouped(c.kept).c_str(),
                   grouped(c.train).c_str(), grouped(c.val).c_str(),
                   rejected_breakdown(c.rejected).c_str(), r.seconds);
  }
}

void ConsoleProgress::summary(const std::vector<CategoryReport>& reports) const {
  if (quiet_ || reports.empty()) return;
  size_t width = 8;
  for (const auto& r : reports) width = std::max(width, r.category.size());
  const int w = static_cast<int>(width);
  std::fprintf(stdout, "%-*s  %-10s %10s %10s %9s %8s", w, "category", "status", "read", "kept",
               "train", "val");
  for (size_t i = 0; i < kRejectReasonCount; ++i) {
    std::fprintf(stdout, " %12s", to_string(static_cast<RejectReason>(i)));
  }
  std::fprintf(stdout, " %8s\n", "seconds");
  for (const auto& r : reports) {
    const CategoryCounts& c = r.manifest.counts;
    std::fprintf(stdout, "%-*s  %-10s %10s %10s %9s %8s", w, r.category.c_str(),
                 to_string(r.status), grouped(c.read).c_str(), grouped(c.kept).c_str(),
                 grouped(c.train).c_str(), grouped(c.val).c_str());
    for (const uint64_t n : c.rejected.by_reason) std::fprintf(stdout, " %12s", grouped(n).c_str());
    std::fprintf(stdout, " %8.1f\n", r.seconds);
  }
  std::fflush(stdout);
}

}  // namespace qd
