#include "qd/report/quality_log.h"

#include <cinttypes>
#include <cstdio>

namespace qd::train {

namespace {

// RFC 4180: quoted, quotes doubled, when the text holds a comma or a quote.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Reads a field written by csv_field from line[at...] up to its comma; at is left on the comma.
bool read_field(const std::string& line, size_t& at, std::string& out) {
  out.clear();
  if (at < line.size() && line[at] == '"') {
    for (++at; at < line.size(); ++at) {
      if (line[at] != '"') {
        out += line[at];
      } else if (at + 1 < line.size() && line[at + 1] == '"') {
        out += '"';
        ++at;
      } else {
        ++at;
        return at < line.size() && line[at] == ',';
      }
    }
    return false;
  }
  const size_t comma = line.find(',', at);
  if (comma == std::string::npos) return false;
  out = line.substr(at, comma - at);
  at = comma;
  return true;
}

}  // namespace

std::string QualityRow::line() const {
  char numbers[512];
  std::snprintf(numbers, sizeof numbers,
                ",%" PRId64 ",%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.3f", n, fid,
                fid_floor, kid, kid_floor, precision, precision_floor, recall, recall_floor, top1,
                top1_real, eval_seconds);
  std::string figures = ",,,";
  if (memorisation) {
    char text[128];
    std::snprintf(text, sizeof text, ",%.8g,%.8g,%.8g", memorisation->ratio, memorisation->copies,
                  memorisation->copies_held_out);
    figures = text;
  }
  return std::to_string(step) + "," + std::to_string(epoch) + "," + csv_field(category) + numbers +
         figures + "\n";
}

bool QualityRow::parse(const std::string& line, QualityRow& r) {
  int consumed = 0;
  if (std::sscanf(line.c_str(), "%" SCNd64 ",%" SCNd64 ",%n", &r.step, &r.epoch, &consumed) != 2 ||
      consumed == 0) {
    return false;
  }
  size_t at = static_cast<size_t>(consumed);
  if (!read_field(line, at, r.category) || r.category.empty()) return false;
  const std::string rest = line.substr(at);
  consumed = 0;
  const int fields =
      std::sscanf(rest.c_str(), ",%" SCNd64 ",%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf%n", &r.n,
                  &r.fid, &r.fid_floor, &r.kid, &r.kid_floor, &r.precision, &r.precision_floor,
                  &r.recall, &r.recall_floor, &r.top1, &r.top1_real, &r.eval_seconds, &consumed);
  if (fields != 12) return false;
  r.memorisation.reset();
  const std::string figures = rest.substr(static_cast<size_t>(consumed));
  if (figures.empty() || figures == ",,,") return true;  // an older file's line; not measured
  MemorisationFigures m;
  consumed = 0;
  if (std::sscanf(figures.c_str(), ",%lf,%lf,%lf%n", &m.ratio, &m.copies, &m.copies_held_out,
                  &consumed) != 3 ||
      static_cast<size_t>(consumed) != figures.size()) {
    return false;
  }
  r.memorisation = m;
  return true;
}

const QualityRow* best_row(const std::vector<QualityRow>& rows) {
  const QualityRow* best = nullptr;
  for (const QualityRow& r : rows) {
    if (r.category == kAllCategories && (best == nullptr || r.fid < best->fid)) best = &r;
  }
  return best;
}

}  // namespace qd::train
