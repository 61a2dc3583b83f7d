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
  CHECK(qd::test::read_file(path).rfind(
            "step,epoch,loss_d,loss_g,d_real,d_fake,images_per_s,loader_wait_s\n1,0,2.25,", 0) ==
        0);
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
