#include "qd/trainer/metrics_log.h"

#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "qd/store/atomic_file.h"

namespace qd::train {

const char* const kMetricsCsvHeader =
    "step,epoch,loss_d,loss_g,d_real,d_fake,images_per_s,loader_wait_s";

namespace {

std::string format_row(const MetricsRow& r) {
  char line[512];
  std::snprintf(line, sizeof line, "%" PRId64 ",%" PRId64 ",%.8g,%.8g,%.8g,%.8g,%.8g,%.8g\n",
                r.step, r.epoch, r.loss_d, r.loss_g, r.d_real, r.d_fake, r.images_per_s,
                r.loader_wait_s);
  return line;
}

bool parse_row(const std::string& line, MetricsRow& r) {
  int consumed = 0;
  const int fields = std::sscanf(line.c_str(), "%" SCNd64 ",%" SCNd64 ",%lf,%lf,%lf,%lf,%lf,%lf%n",
                                 &r.step, &r.epoch, &r.loss_d, &r.loss_g, &r.d_real, &r.d_fake,
                                 &r.images_per_s, &r.loader_wait_s, &consumed);
  return fields == 8 && static_cast<size_t>(consumed) == line.size();
}

// The complete lines of the file (a last line without its newline was cut by a kill: dropped).
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

}  // namespace

std::vector<MetricsRow> read_metrics_csv(const std::string& path) {
  const std::vector<std::string> lines = complete_lines(path);
  if (lines.empty()) return {};
  if (lines[0] != kMetricsCsvHeader) {
    throw std::runtime_error(path + ":1: not a qd metrics.csv (expected the header " +
                             kMetricsCsvHeader + ")");
  }
  std::vector<MetricsRow> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    MetricsRow r;
    if (!parse_row(lines[i], r)) {
      throw std::runtime_error(path + ":" + std::to_string(i + 1) +
                               ": not a metrics row: " + lines[i]);
    }
    rows.push_back(r);
  }
  return rows;
}

MetricsLog::MetricsLog(const std::string& path, int64_t keep_through_step) : path_(path) {
  std::FILE* probe = std::fopen(path.c_str(), "rb");
  if (probe != nullptr) std::fclose(probe);
  std::vector<MetricsRow> kept;
  if (probe != nullptr) {
    for (const MetricsRow& r : read_metrics_csv(path)) {
      if (r.step <= keep_through_step) kept.push_back(r);
    }
  }
  // Rewrite what is kept whole, then append: a kill now leaves either file, never a mix.
  std::string text = std::string(kMetricsCsvHeader) + "\n";
  for (const MetricsRow& r : kept) text += format_row(r);
  write_file_atomically(path, text);
  rows_ = std::move(kept);
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) throw std::runtime_error(path + ": cannot append: " + std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void MetricsLog::append(const MetricsRow& row) {
  const std::string line = format_row(row);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    throw std::runtime_error(path_ + ": cannot write: " + std::strerror(errno));
  }
  rows_.push_back(row);
}

}  // namespace qd::train
