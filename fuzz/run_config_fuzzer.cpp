// The trainer's config.json reader (qd_train --resume, qd_sample, qd_score read it). It must
// throw what its header promises (StoreError for a config.json it cannot use) or return options
// the trainer accepts: a run that resumes with options qd_train would refuse on its command line
// fails later, further from the cause.

#include <stdexcept>
#include <string>

#include "fuzz_support.h"
#include "qd/run/run_directory.h"
#include "qd/run/train_options.h"
#include "qd/store/store_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static qd::fuzz::ScratchDir dir;
  const std::string path = dir.write("config.json", qd::fuzz::as_text(data, size));
  qd::train::SavedRun run;
  try {
    run = qd::train::read_run_config(dir.str());
  } catch (const qd::StoreError& e) {
    QD_FUZZ_CHECK(std::string(e.what()).rfind(path + ": ", 0) == 0,
                  std::string("the error names config.json: ") + e.what());
    return 0;
  }
  QD_FUZZ_CHECK(run.options.out == dir.str(), "the run's directory is where it was read");
  try {
    qd::train::check_options(run.options);
  } catch (const std::invalid_argument& e) {
    QD_FUZZ_CHECK(false,
                  std::string("read_run_config accepted options qd_train refuses: ") + e.what());
  }
  return 0;
}
