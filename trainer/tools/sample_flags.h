#pragma once
// The options qd_sample and qd_score both take (the run, how many images, which category, seed,
// checkpoint, weights, device), declared once.

#include <string>

#include "qd/cli/command_line.h"
#include "qd/run/trained_run.h"
#include "qd/store/value_range.h"

namespace qd::train {

// --count: at least one image; a billion (qd_sample writes them in batches, memory flat).
inline constexpr ValueRange<int64_t> kSampleCount = between<int64_t>(1, 1000000000);

// --truncation: 0 (none) or a threshold from 0.1 (below it, redrawing takes ever longer) to 10
// (where it no longer changes anything a generator draws).
inline constexpr ValueRange<double> kTruncation = between(0.1, 10.0).or_zero();

// `count_help` says what --count counts for this tool.
void add_sample_flags(cli::po::options_description& options, SampleRequest& request,
                      const char* count_help);

}  // namespace qd::train
