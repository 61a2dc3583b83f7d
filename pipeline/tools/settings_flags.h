#pragma once
// qd_prepare's and qd_render's options for PrepareSettings, declared from the settings' one list
// (visit_prepare_settings) with its ranges, checked as the command line is parsed: --size,
// --line-width, --padding and the work limits (--max-record-bytes, --max-points, --max-strokes)
// for both, the rest for qd_prepare.

#include "qd/cli/command_line.h"
#include "qd/store/manifest.h"

namespace qd {

enum class SettingsFlags { kRendering, kAll };

void add_settings_flags(cli::po::options_description& options, PrepareSettings& settings,
                        SettingsFlags which);

}  // namespace qd
