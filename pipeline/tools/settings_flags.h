#pragma once
// qd_prepare's and qd_render's options for PrepareSettings, declared from the settings' one list
// (visit_prepare_settings): --size, --line-width, --padding for both, the rest for qd_prepare.

#include "qd/cli/command_line.h"
#include "qd/store/manifest.h"

namespace qd {

enum class SettingsFlags { kRendering, kAll };

void add_settings_flags(cli::po::options_description& options, PrepareSettings& settings,
                        SettingsFlags which);
// Throws cli::UsageError naming each value out of range.
void check_settings_flags(const PrepareSettings& settings);

}  // namespace qd
