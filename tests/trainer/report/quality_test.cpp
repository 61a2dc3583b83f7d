// quality.csv rows (quoting, round trip, the best row) and quality.png.
#include <doctest/doctest.h>

#include <fstream>
#include <limits>

#include "qd/report/quality_log.h"
#include "qd/report/reports.h"
#include "test_support.h"

using namespace qd::train;
using qd::test::ScratchDir;

namespace {

QualityRow row(int64_t epoch, const std::string& category, double fid) {
  QualityRow r;
  r.step = epoch * 100;
  r.epoch = epoch;
  r.category = category;
  r.n = 500;
  r.fid = fid;
  r.fid_floor = 5.25;
  r.kid = 0.125;
  r.kid_floor = -0.0004;
  r.precision = 0.5;
  r.precision_floor = 0.8;
  r.recall = 0.01;
  r.recall_floor = 0.79;
  r.top1 = 0.2;
  r.top1_real = 0.77;
  r.eval_seconds = 0.75;
  return r;
}

}  // namespace

TEST_CASE("quality.csv: rows read back as written, names with commas and quotes included") {
  for (const std::string name : {"cat", "(all)", "The Eiffel Tower", "a,b", "say \"cheese\""}) {
    const QualityRow written = row(3, name, 88.5);
    QualityRow read;
    REQUIRE_MESSAGE(QualityRow::parse(written.line().substr(0, written.line().size() - 1), read),
                    written.line());
    CHECK(read.category == name);
    CHECK(read.line() == written.line());
  }
  CHECK(row(1, "a,b", 1).line().find("\"a,b\"") != std::string::npos);
  QualityRow r;
  for (const char* bad :
       {"", "1,1", "1,1,cat", "1,1,,500,1,1,1,1,1,1,1,1,1,1,1",
        "1,1,\"cat,500,1,1,1,1,1,1,1,1,1,1,1", "1,1,cat,500,1,1,1,1,1,1,1,1,1,1",
        "1,1,cat,500,1,1,1,1,1,1,1,1,1,1,1,1", "1,1,cat,500,1,1,1,1,1,1,1,1,1,1,x"}) {
    CHECK_FALSE_MESSAGE(QualityRow::parse(bad, r), bad);
  }
}

TEST_CASE("quality.csv: the best row is the lowest FID of all categories together") {
  std::vector<QualityRow> rows;
  CHECK(best_row(rows) == nullptr);
  rows = {row(1, "cat", 10), row(1, kAllCategories, 90), row(2, "cat", 200),
          row(2, kAllCategories, 70), row(3, kAllCategories, 70)};
  REQUIRE(best_row(rows) != nullptr);
  CHECK(best_row(rows)->epoch == 2);  // the first of equals; per-category rows do not count
}

TEST_CASE("quality.csv: cut back to the step resumed from") {
  ScratchDir dir("quality_log");
  const std::string path = (dir / "quality.csv").string();
  {
    QualityLog log(path, 0);
    for (int64_t e = 1; e <= 4; ++e) log.append(row(e, kAllCategories, 100.0 / e));
  }
  QualityLog resumed(path, 200);
  CHECK(resumed.rows().size() == 2);
  CHECK(read_step_csv<QualityRow>(path).size() == 2);
}

TEST_CASE("reports: quality.png for no rows, one and many, a non-finite value included") {
  ScratchDir dir("quality_plot");
  std::vector<QualityRow> rows;
  for (int64_t e = 1; e <= 30; ++e) {
    rows.push_back(row(e, "cat", 100));
    rows.push_back(row(e, kAllCategories, 200.0 / e));
  }
  rows[7].fid = std::numeric_limits<double>::quiet_NaN();
  for (size_t n : {size_t{0}, size_t{2}, rows.size()}) {
    const std::string path = (dir / ("q" + std::to_string(n) + ".png")).string();
    write_quality_plot(path, {rows.begin(), rows.begin() + static_cast<ptrdiff_t>(n)});
    CHECK(qd::test::read_file(path).compare(1, 3, "PNG") == 0);
  }
}
