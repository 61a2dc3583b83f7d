#pragma once
// A whole training run, as qd_train does it: data in, steps, metrics, samples, checkpoints.

#include <atomic>
#include <ostream>
#include <string>

#include "qd/run/run_directory.h"
#include "qd/run/train_options.h"

namespace qd::train {

enum class RunOutcome { kCompleted, kInterrupted };

// Trains in options.out up to options.epochs: a new run, or with options.resume the saved one
// (`saved`: its config.json, read once by the caller) from its newest checkpoint that verifies: a
// corrupt newer one is passed over, saying so on stderr, and when none verifies the newest one's
// qd::CorruptFileError (a std::runtime_error) is thrown. Checkpoints and
// returns kInterrupted soon after `stop` becomes true. Progress goes to `log`: a line rewritten in
// place when `interactive`, else a line per epoch. Throws DatasetError (bad data),
// RunDirectoryError (--out unusable) or std::runtime_error.
RunOutcome run_training(const TrainOptions& options, const SavedRun* saved,
                        const std::atomic<bool>& stop, std::ostream& log, bool interactive);

}  // namespace qd::train
