#pragma once
// A CSV file of rows keyed by training step (metrics.csv, quality.csv), appended and flushed as
// training goes, so a run killed at any moment keeps every row written before the kill, and cut
// back to its checkpoint when the run resumes, so a resumed run writes the same rows.
//
// A Row type provides: `static constexpr const char* kHeader` (the header line, no newline),
// `int64_t step`, `std::string line() const` (one line with its newline) and
// `static bool parse(const std::string& line, Row& row)` (false for anything but a whole row),
// and optionally `static constexpr const char* kOlderHeader`: a file with that header (a column
// added since) reads too, parse() taking its lines, and is rewritten with kHeader when opened.

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace qd::train {

// The complete lines of a file (a last line without its newline was cut by a kill: dropped).
// Throws std::runtime_error naming the file when it cannot be read.
std::vector<std::string> complete_lines(const std::string& path);

// Appends lines to a file, each written and flushed before append() returns.
class LineAppender {
 public:
  // Rewrites `path` atomically as `text`, then opens it for appending: a kill in between leaves
  // the old file or the new one, never a mix.
  LineAppender(std::string path, const std::string& text);
  ~LineAppender();
  LineAppender(const LineAppender&) = delete;
  LineAppender& operator=(const LineAppender&) = delete;
  void append(const std::string& line);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

template <class Row, class = void>
struct HasOlderHeader : std::false_type {};
template <class Row>
struct HasOlderHeader<Row, std::void_t<decltype(Row::kOlderHeader)>> : std::true_type {};

// Whether `line` is a header of a file of Rows: kHeader, or kOlderHeader where Row has one.
template <class Row>
bool known_header(const std::string& line) {
  if (line == Row::kHeader) return true;
  if constexpr (HasOlderHeader<Row>::value) return line == Row::kOlderHeader;
  return false;
}

// Every complete row of a file of Rows; an empty file has none. Throws std::runtime_error naming
// the file and line for a wrong header or a line that does not parse.
template <class Row>
std::vector<Row> read_step_csv(const std::string& path) {
  const std::vector<std::string> lines = complete_lines(path);
  if (lines.empty()) return {};
  if (!known_header<Row>(lines[0])) {
    throw std::runtime_error(path + ":1: not the expected CSV (its header should be " +
                             Row::kHeader + ")");
  }
  std::vector<Row> rows;
  for (size_t i = 1; i < lines.size(); ++i) {
    Row r;
    if (!Row::parse(lines[i], r)) {
      throw std::runtime_error(path + ":" + std::to_string(i + 1) + ": not a row: " + lines[i]);
    }
    rows.push_back(r);
  }
  return rows;
}

template <class Row>
class StepCsv {
 public:
  // Opens `path` for appending (creating it with its header). Rows with step > keep_through_step
  // and a partial last line are dropped first; a file with an older header is rewritten with
  // today's. Throws std::runtime_error naming the file.
  StepCsv(const std::string& path, int64_t keep_through_step)
      : rows_(kept_rows(path, keep_through_step)), file_(path, text(rows_)) {}

  void append(const Row& row) {
    file_.append(row.line());
    rows_.push_back(row);
  }
  const std::vector<Row>& rows() const { return rows_; }  // the whole file

 private:
  static std::vector<Row> kept_rows(const std::string& path, int64_t keep_through_step) {
    std::vector<Row> kept;
    if (std::FILE* probe = std::fopen(path.c_str(), "rb")) {
      std::fclose(probe);
      for (const Row& r : read_step_csv<Row>(path)) {
        if (r.step <= keep_through_step) kept.push_back(r);
      }
    }
    return kept;
  }
  static std::string text(const std::vector<Row>& rows) {
    std::string t = std::string(Row::kHeader) + "\n";
    for (const Row& r : rows) t += r.line();
    return t;
  }

  std::vector<Row> rows_;
  LineAppender file_;
};

}  // namespace qd::train
