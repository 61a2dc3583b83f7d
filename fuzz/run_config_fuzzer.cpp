// The trainer's config.json reader (qd_train --resume, qd_sample, qd_score read it). It must
// throw what its header promises (StoreError for a config.json it cannot use) or return options
// the trainer accepts: a run that resumes with options qd_train would refuse on its command line
// fails later, further from the cause. And what it accepts must survive being written again
// (as qd_train --resume rewrites config.json) and read back unchanged: a value the writer cannot
// write (inf, nan) or the reader reads differently would leave a run that no tool can open.

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

  static qd::fuzz::ScratchDir again("-again");
  qd::train::write_run_config(again.str(), run);
  const qd::train::SavedRun reread = qd::train::read_run_config(again.str());
  qd::train::visit_run_fields(
      [](const char* key, qd::train::OnResume, const char*, const auto&, const auto& a,
         const auto& b) {
        QD_FUZZ_CHECK(qd::train::option_text(a) == qd::train::option_text(b),
                      std::string("config.json written again changed ") + key + ": " +
                          qd::train::option_text(a) + " -> " + qd::train::option_text(b));
      },
      run.options, reread.options);
  QD_FUZZ_CHECK(reread.categories == run.categories && reread.image == run.image &&
                    reread.images == run.images && reread.processes == run.processes,
                "config.json written again changed its data or processes");
  return 0;
}
