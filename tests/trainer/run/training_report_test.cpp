// What a training run shows as it goes: the progress line of a run not on a terminal.
#include "qd/run/training_report.h"

#include <algorithm>
#include <sstream>

#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;

namespace {

void train(GanTrainer& t, const torch::Tensor& images, int steps) {
  const auto labels = torch::zeros({images.size(0)}, torch::kLong);
  for (int i = 0; i < steps; ++i) t.step(images, labels);
}

ModelConfig small_model() {
  ModelConfig m;
  m.arch = Arch::kSmall;
  return m;
}

}  // namespace

TEST_CASE("not on a terminal, the report prints a progress line every log interval") {
  qd::test::ScratchDir dir("report_log_interval");
  TrainSettings s;
  GanTrainer t(small_model(), s, torch::kCPU);
  const auto images = torch::randint(0, 256, {4, 1, 28, 28}, torch::kUInt8);
  std::ostringstream log;
  TrainingReport every_record(dir.path().string(), 1, 0, 10, log, false, std::chrono::seconds(0));
  for (int row = 0; row < 3; ++row) {
    train(t, images, 1);
    every_record.record(t, 0, 4, 0.0);
  }
  const std::string text = log.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 3);
  CHECK(text.find("epoch 1/1  step 3/10") != std::string::npos);

  std::ostringstream quiet;
  TrainingReport half_minute(dir.path().string(), 1, 3, 10, quiet, false);
  train(t, images, 1);
  half_minute.record(t, 0, 4, 0.0);
  CHECK(quiet.str().empty());  // 30 s have not passed
}
