#pragma once
// report.html in a run directory: one page about the run, readable offline in any browser, its
// pictures embedded (data: URIs), so the file can be mailed or archived on its own. qd_train
// rewrites it at every epoch's end, qd_score when it scores the run.

#include <string>

namespace qd::train {

// Writes <run_dir>/report.html atomically from what the run directory holds now: config.json's
// options and data, metrics.csv's latest row, the latest and best sample grids, real.png,
// progress.gif, loss.png, quality.csv and quality.png, and score.json (qd_score's figures),
// each where present. Throws what read_run_config throws, std::runtime_error for an unreadable
// file.
void write_run_report(const std::string& run_dir);

}  // namespace qd::train
