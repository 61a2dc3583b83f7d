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

TEST_CASE("quality.csv: memorisation figures read back, and empty fields when not measured") {
  QualityRow measured = row(2, "(all)", 70);
  measured.memorisation = MemorisationFigures{1.0625, 0.004, 0.01};
  const std::string line = measured.line();
  CHECK(line.substr(line.rfind(",0.750")) == ",0.750,1.0625,0.004,0.01\n");
  QualityRow read;
  REQUIRE(QualityRow::parse(line.substr(0, line.size() - 1), read));
  REQUIRE(read.memorisation.has_value());
  CHECK(read.memorisation->ratio == 1.0625);
  CHECK(read.memorisation->copies == 0.004);
  CHECK(read.memorisation->copies_held_out == 0.01);
  CHECK(read.line() == line);

  const QualityRow unmeasured = row(2, "cat", 70);
  const std::string empty = unmeasured.line();
  CHECK(empty.substr(empty.rfind(",0.750")) == ",0.750,,,\n");  // eval_seconds, then nothing
  read.memorisation = MemorisationFigures{};
  REQUIRE(QualityRow::parse(empty.substr(0, empty.size() - 1), read));
  CHECK_FALSE(read.memorisation.has_value());
  CHECK(read.line() == empty);

  for (const char* bad :
       {"1,1,cat,500,1,1,1,1,1,1,1,1,1,1,1,1,1", "1,1,cat,500,1,1,1,1,1,1,1,1,1,1,1,,",
        "1,1,cat,500,1,1,1,1,1,1,1,1,1,1,1,1,,", "1,1,cat,500,1,1,1,1,1,1,1,1,1,1,1,1,1,x",
        "1,1,cat,500,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", "1,1,cat,500,1,1,1,1,1,1,1,1,1,1,1,,,,"}) {
    CHECK_FALSE_MESSAGE(QualityRow::parse(bad, read), bad);
  }
}

TEST_CASE(
    "quality.csv: a file from before the memorisation columns reads, and resumes in the new "
    "form") {
  ScratchDir dir("quality_old");
  const std::string path = (dir / "quality.csv").string();
  {
    std::ofstream old(path, std::ios::binary);
    old << QualityRow::kOlderHeader << "\n"
        << "100,1,(all),500,88.5,5.25,0.125,-0.0004,0.5,0.8,0.01,0.79,0.2,0.77,0.750\n"
        << "200,2,(all),500,70,5.25,0.125,-0.0004,0.5,0.8,0.01,0.79,0.2,0.77,0.750\n";
  }
  const std::vector<QualityRow> rows = read_step_csv<QualityRow>(path);
  REQUIRE(rows.size() == 2);
  CHECK(rows[1].fid == 70);
  CHECK(rows[1].eval_seconds == 0.75);
  CHECK_FALSE(rows[0].memorisation.has_value());
  CHECK_FALSE(rows[1].memorisation.has_value());
  {
    QualityLog resumed(path, 100);  // rewritten with the new header, the kept row not measured
    QualityRow next = row(2, kAllCategories, 60);
    next.memorisation = MemorisationFigures{0.9, 0.05, 0.01};
    resumed.append(next);
  }
  const std::string text = qd::test::read_file(path);
  CHECK(text.rfind(std::string(QualityRow::kHeader) + "\n", 0) == 0);
  CHECK(text.find(",0.750,,,\n") != std::string::npos);
  const std::vector<QualityRow> again = read_step_csv<QualityRow>(path);
  REQUIRE(again.size() == 2);
  CHECK_FALSE(again[0].memorisation.has_value());
  REQUIRE(again[1].memorisation.has_value());
  CHECK(again[1].memorisation->ratio == 0.9);

  std::ofstream(path, std::ios::binary) << "step,epoch,category\n";
  CHECK_THROWS_AS(read_step_csv<QualityRow>(path), std::runtime_error);
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
  // With memorisation ratios (some evaluations without, one not finite): a panel more.
  for (size_t i = 21; i < rows.size(); i += 2) {
    rows[i].memorisation = MemorisationFigures{0.5 + 0.05 * static_cast<double>(i / 2), 0.1, 0.01};
  }
  rows[25].memorisation->ratio = std::numeric_limits<double>::infinity();
  const std::string path = (dir / "q_memorisation.png").string();
  write_quality_plot(path, rows);
  const std::string png = qd::test::read_file(path);
  CHECK(png.compare(1, 3, "PNG") == 0);
  // Its height (bytes 20-23 of the IHDR chunk, big-endian) grows by the panel.
  const auto height = [](const std::string& file) {
    return (static_cast<unsigned char>(file[22]) << 8) | static_cast<unsigned char>(file[23]);
  };
  CHECK(height(png) > height(qd::test::read_file((dir / "q60.png").string())));
}

TEST_CASE("reports: bake_off's quality-against-time plot, for one curve and several") {
  ScratchDir dir("time_plot");
  const TimeFloors floors{5.7, 0.81, 0.77};
  TimeCurve qd{
      "qd", {5, 10, 20, 40}, {52, 40, 33, 30}, {0.02, 0.04, 0.07, 0.09}, {0.5, 0.6, 0.62, 0.64}};
  TimeCurve resnet = qd;
  resnet.name = "resnet";
  resnet.fid = {60, 35, std::numeric_limits<double>::quiet_NaN(), 25};  // a point left out
  const std::string one = (dir / "one.png").string();
  write_time_plot(one, {qd}, floors);
  const std::string two = (dir / "two.png").string();
  write_time_plot(two, {qd, resnet}, floors);
  const std::string png = qd::test::read_file(two);
  CHECK(png.compare(1, 3, "PNG") == 0);
  CHECK(png != qd::test::read_file(one));  // the second curve is drawn
  // 800x640 (IHDR's width and height, big-endian, at bytes 16-23).
  CHECK(((static_cast<unsigned char>(png[18]) << 8) | static_cast<unsigned char>(png[19])) == 800);
  CHECK(((static_cast<unsigned char>(png[22]) << 8) | static_cast<unsigned char>(png[23])) == 640);
}
