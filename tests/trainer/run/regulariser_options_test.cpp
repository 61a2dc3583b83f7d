// The regularisers' options (--augment-p, --ada-target, --ada-speed, --lecam, --lecam-decay,
// --bcr): refused out of range naming the option, refused in combinations that cannot work,
// recorded in config.json and read back, fixed on --resume, and absent from older runs' files.
#include <cmath>
#include <string>

#include "qd/run/run_directory.h"
#include "qd/run/train_options.h"
#include "test_support.h"
#include "torch_doctest.h"

using namespace qd::train;

namespace {

TrainOptions augmented_run() {
  TrainOptions o;
  o.shards = {"/data/cat"};
  o.step.augment = "flip,translation";
  return o;
}

std::string refusal(const TrainOptions& o) {
  try {
    check_options(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("regulariser options: values out of range are refused, naming the option") {
  CHECK(refusal(augmented_run()) == "(accepted)");
  TrainOptions o = augmented_run();
  o.step.augment_p = "auto";
  o.step.lecam = 0.3;
  o.step.bcr = 10;
  CHECK(refusal(o) == "(accepted)");

  const auto refused = [](void (*set)(TrainOptions&), const std::string& expected) {
    TrainOptions bad = augmented_run();
    set(bad);
    const std::string message = refusal(bad);
    CHECK_MESSAGE(message.find(expected) != std::string::npos, message);
  };
  refused([](TrainOptions& t) { t.step.augment_p = "1.5"; },
          "--augment-p must be in 0..1, not 1.5");
  refused([](TrainOptions& t) { t.step.augment_p = "adaptive"; }, "--augment-p");
  refused([](TrainOptions& t) { t.step.ada_target = 1.5; }, "--ada-target must be in 0..1");
  refused([](TrainOptions& t) { t.step.ada_speed = 0; }, "--ada-speed must be in");
  refused([](TrainOptions& t) { t.step.lecam = -0.1; }, "--lecam must be in");
  refused([](TrainOptions& t) { t.step.lecam_decay = 1; }, "--lecam-decay must be");
  refused([](TrainOptions& t) { t.step.bcr = -1; }, "--bcr must be in");
  refused([](TrainOptions& t) { t.step.bcr = std::nan(""); }, "--bcr must be in");
}

TEST_CASE("regulariser options: bCR and auto augmentation need --augment") {
  TrainOptions o = augmented_run();
  o.step.augment = "off";
  o.step.bcr = 10;
  CHECK(refusal(o).find("--bcr needs --augment") != std::string::npos);
  o.step.bcr = 0;
  o.step.augment_p = "auto";
  CHECK(refusal(o).find("--augment-p auto needs --augment") != std::string::npos);
  o.step.augment_p = "0.5";  // a fixed p without transforms changes nothing: accepted
  CHECK(refusal(o) == "(accepted)");
}

TEST_CASE("regulariser options: config.json keeps them, fixed on --resume, older files default") {
  qd::test::ScratchDir dir("regulariser_config");
  SavedRun run;
  run.options = augmented_run();
  run.options.step.augment = "flip,rotation,scale";
  run.options.step.augment_p = "auto";
  run.options.step.ada_target = 0.5;
  run.options.step.ada_speed = 25000;
  run.options.step.lecam = 0.25;
  run.options.step.lecam_decay = 0.9;
  run.options.step.bcr = 5;
  run.categories = {"cat"};
  run.images = 10;
  write_run_config(dir.path().string(), run, {});
  const std::string json = qd::test::read_file(dir / "config.json");
  for (const char* key : {"\"augment_p\": \"auto\"", "\"ada_target\": 0.5", "\"ada_speed\": 25000",
                          "\"lecam\": 0.25", "\"lecam_decay\": 0.9", "\"bcr\": 5"}) {
    CHECK_MESSAGE(json.find(key) != std::string::npos, key);
  }
  const SavedRun back = read_run_config(dir.path().string());
  const TrainSettings& s = back.options.step;
  CHECK(s.augment == "flip,rotation,scale");
  CHECK(s.augment_p == "auto");
  CHECK(s.ada_target == 0.5);
  CHECK(s.ada_speed == 25000);
  CHECK(s.lecam == 0.25);
  CHECK(s.lecam_decay == 0.9);
  CHECK(s.bcr == 5);

  // --resume: the same values again are accepted, others refused naming each.
  TrainOptions asked = back.options;
  asked.step.lecam = 0.5;
  asked.step.augment_p = "0.5";
  const auto given = [](const std::string& option) {
    return option == "lecam" || option == "augment-p" || option == "bcr";
  };
  CHECK_THROWS_WITH_AS(resumed_options(back.options, asked, given),
                       doctest::Contains("--augment-p 0.5 (the run has auto)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH(resumed_options(back.options, asked, given),
                    doctest::Contains("--lecam 0.5 (the run has 0.25)"));
  CHECK(resumed_options(back.options, back.options, given).step.bcr == 5);

  // A run from before these options: its config.json has none of them, and reads as their
  // defaults, which train as it did (p 1, no LeCam, no bCR).
  std::string older = json;
  for (const char* key : {"augment_p", "ada_target", "ada_speed", "lecam", "lecam_decay", "bcr"}) {
    const size_t at = older.find(std::string("\"") + key + "\":");
    REQUIRE(at != std::string::npos);
    const size_t end = older.find('\n', at);
    older.erase(at, end - at + 1);
  }
  qd::test::write_file(dir / "config.json", older);
  const TrainSettings d = read_run_config(dir.path().string()).options.step;
  CHECK(d.augment_p == "1");
  CHECK(d.ada_target == 0.6);
  CHECK(d.ada_speed == 100000);
  CHECK(d.lecam == 0);
  CHECK(d.lecam_decay == 0.99);
  CHECK(d.bcr == 0);

  // An edited config.json with a value out of range names the file and the option.
  std::string edited = json;
  edited.replace(edited.find("\"bcr\": 5"), 8, "\"bcr\": -5");
  qd::test::write_file(dir / "config.json", edited);
  CHECK_THROWS_WITH(read_run_config(dir.path().string()), doctest::Contains("--bcr must be in"));
}
