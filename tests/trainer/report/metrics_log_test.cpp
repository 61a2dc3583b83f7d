// metrics.csv: rows survive a kill, and a resumed run continues the file from its checkpoint.
#include "qd/report/metrics_log.h"

#include <doctest/doctest.h>

#include <fstream>

#include "test_support.h"

using namespace qd::train;
using qd::test::ScratchDir;

namespace {

MetricsRow row(int64_t step) {
  return {step, step / 10, 1.25 + static_cast<double>(step), 0.5, 0.75, 0.25, 1000.5, 0.001};
}

std::vector<int64_t> steps(const std::vector<MetricsRow>& rows) {
  std::vector<int64_t> out;
  out.reserve(rows.size());
  for (const MetricsRow& r : rows) out.push_back(r.step);
  return out;
}

}  // namespace

TEST_CASE("metrics log: rows are on disk as soon as appended, and read back") {
  ScratchDir dir("metrics_append");
  const std::string path = (dir / "metrics.csv").string();
  MetricsLog log(path, 0);
  for (int64_t s = 1; s <= 3; ++s) log.append(row(s));
  // Read while the log is still open: nothing waits in a buffer.
  const auto rows = read_metrics_csv(path);
  REQUIRE(rows.size() == 3);
  CHECK(rows[2].step == 3);
  CHECK(rows[2].loss_d == doctest::Approx(4.25));
  CHECK(rows[2].images_per_s == doctest::Approx(1000.5));
  CHECK(rows[2].loader_wait_s == doctest::Approx(0.001));
  CHECK(steps(log.rows()) == std::vector<int64_t>{1, 2, 3});
  CHECK(
      qd::test::read_file(path).rfind(
          "step,epoch,loss_d,loss_g,d_real,d_fake,images_per_s,loader_wait_s,augment_p\n1,0,2.25,",
          0) == 0);
}

TEST_CASE("metrics log: reopening drops rows after the checkpoint and a cut last line") {
  ScratchDir dir("metrics_resume");
  const std::string path = (dir / "metrics.csv").string();
  {
    MetricsLog log(path, 0);
    for (int64_t s = 1; s <= 6; ++s) log.append(row(s));
  }
  {  // what a kill -9 in the middle of a write leaves
    std::ofstream f(path, std::ios::app);
    f << "7,0,1.5,0.";
  }
  CHECK(read_metrics_csv(path).size() == 6);
  {
    MetricsLog resumed(path, 4);  // the checkpoint was at step 4
    CHECK(steps(resumed.rows()) == std::vector<int64_t>{1, 2, 3, 4});
    resumed.append(row(5));
    CHECK(steps(resumed.rows()) == std::vector<int64_t>{1, 2, 3, 4, 5});
  }
  CHECK(steps(read_metrics_csv(path)) == std::vector<int64_t>{1, 2, 3, 4, 5});
  MetricsLog fresh((dir / "new.csv").string(), 100);
  CHECK(fresh.rows().empty());
}

TEST_CASE("metrics log: augment_p is written, and a file from before the column still reads") {
  ScratchDir dir("metrics_augment_p");
  const std::string path = (dir / "metrics.csv").string();
  {
    MetricsLog log(path, 0);
    MetricsRow r = row(1);
    r.augment_p = 0.375;
    log.append(r);
  }
  CHECK(qd::test::read_file(path).find(",1000.5,0.001,0.375\n") != std::string::npos);
  CHECK(read_metrics_csv(path).at(0).augment_p == doctest::Approx(0.375));
  {
    std::ofstream f(path);
    f << "step,epoch,loss_d,loss_g,d_real,d_fake,images_per_s,loader_wait_s\n"
         "1,0,1,1,0.5,0.25,100,0\n2,0,1,1,0.5,0.25,100,0\n";
  }
  const auto older = read_metrics_csv(path);
  REQUIRE(older.size() == 2);
  CHECK(older[1].d_fake == doctest::Approx(0.25));
  CHECK(older[1].augment_p == 1.0);  // every transform on every image, as then
  {
    MetricsLog resumed(path, 1);  // a resumed older run: the file takes today's header
    MetricsRow r = row(2);
    r.augment_p = 0.5;
    resumed.append(r);
  }
  const std::string text = qd::test::read_file(path);
  CHECK(text.rfind(std::string(MetricsRow::kHeader) + "\n1,0,1,1,0.5,0.25,100,0,1\n", 0) == 0);
  CHECK(read_metrics_csv(path).at(1).augment_p == doctest::Approx(0.5));
  MetricsRow scratch;
  CHECK_FALSE(MetricsRow::parse("1,0,1,1,0.5,0.25,100,0,", scratch));
  CHECK_FALSE(MetricsRow::parse("1,0,1,1,0.5,0.25,100,0,1,2", scratch));
}

TEST_CASE("metrics log: a damaged file is an error naming the line") {
  ScratchDir dir("metrics_bad");
  const std::string path = (dir / "metrics.csv").string();
  {
    std::ofstream f(path);
    f << "step,epoch,loss_d,loss_g,d_real,d_fake,images_per_s,loader_wait_s\n1,0,1,1,1,1,1,1\nxx\n";
  }
  CHECK_THROWS_WITH_AS(read_metrics_csv(path), doctest::Contains("metrics.csv:3: not a row: xx"),
                       std::runtime_error);
  {
    std::ofstream f(path);
    f << "a,b\n";
  }
  CHECK_THROWS_WITH_AS(MetricsLog(path, 0),
                       doctest::Contains("metrics.csv:1: not the expected CSV"),
                       std::runtime_error);
}
