#pragma once
// quality.csv in a run directory: qd_train --classifier's evaluations, a row per category and
// evaluation, and one for all categories together (see step_csv.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "qd/report/step_csv.h"

namespace qd::train {

// The category of the rows about every category's images together.
inline constexpr const char* kAllCategories = "(all)";

// Whether the generator copies its training images, in the classifier's features
// (eval/memorisation.h): its images' median distance to their nearest training image over the
// same median of held-out real images, and the shares of each nearer than 99% of the held-out
// images are.
struct MemorisationFigures {
  double ratio = 0;            // at least about 1 for a generator that does not copy
  double copies = 0;           // share of the generated images that are "copies"
  double copies_held_out = 0;  // the same share of the held-out images (about 0.01)
};

struct QualityRow {
  static constexpr const char* kHeader =
      "step,epoch,category,n,fid,fid_floor,kid,kid_floor,precision,precision_floor,recall,"
      "recall_floor,top1,top1_real,eval_seconds,memorisation_ratio,copies,copies_held_out";
  // The header before the memorisation columns: such files read as not measured.
  static constexpr const char* kOlderHeader =
      "step,epoch,category,n,fid,fid_floor,kid,kid_floor,precision,precision_floor,recall,"
      "recall_floor,top1,top1_real,eval_seconds";
  int64_t step = 0;
  int64_t epoch = 0;  // epochs done
  std::string category;
  int64_t n = 0;  // images a side
  double fid = 0, fid_floor = 0;
  double kid = 0, kid_floor = 0;  // KID's mean
  double precision = 0, precision_floor = 0;
  double recall = 0, recall_floor = 0;
  double top1 = 0, top1_real = 0;  // all: the mean over the categories
  double eval_seconds = 0;         // the whole evaluation, on its rows
  // Not measured (three empty fields) when the run has no held-out images, and in rows of files
  // written before the check.
  std::optional<MemorisationFigures> memorisation;

  std::string line() const;  // the category quoted when it holds a comma or a quote
  // Takes a line of either header's columns.
  static bool parse(const std::string& line, QualityRow& row);
};

using QualityLog = StepCsv<QualityRow>;

// The row of every category together with the lowest FID (the first of equals); null if none.
const QualityRow* best_row(const std::vector<QualityRow>& rows);

}  // namespace qd::train
