#pragma once
// score.json: every figure of a qd_score run, for scripts (--json) and for the run's report.

#include <cstdint>
#include <string>

#include "qd/eval/run_score.h"

namespace qd::train {

struct ScoreFile {
  RunScore score;
  std::string checkpoint;  // the checkpoint scored
  int64_t count = 0;       // images per category asked for
  uint64_t seed = 0;
  double truncation = 0;  // qd_score --truncation; 0: none
  int64_t feature_size = 0;
  std::string written_at;  // UTC, ISO 8601
};

// Writes `file` (written_at: now) to `path` atomically.
void write_score_file(const std::string& path, const ScoreFile& file);
// Throws qd::StoreError naming the file and key for anything missing or malformed.
ScoreFile read_score_file(const std::string& path);

}  // namespace qd::train
