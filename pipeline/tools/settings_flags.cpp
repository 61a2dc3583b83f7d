#include "settings_flags.h"

#include <string_view>
#include <type_traits>

namespace qd {

void add_settings_flags(cli::po::options_description& options, PrepareSettings& settings,
                        SettingsFlags which) {
  visit_prepare_settings(
      [&](std::string_view key, const char* help, auto& field) {
        const bool rendering =
            key == "size" || key == "line_width" || key == "padding" || key.substr(0, 4) == "max_";
        if (which == SettingsFlags::kRendering && !rendering) return;
        std::string name(key);
        for (char& c : name) c = c == '_' ? '-' : c;
        if (key == "size") name += ",s";
        if constexpr (std::is_same_v<std::decay_t<decltype(field)>, bool>) {
          options.add_options()(name.c_str(), cli::po::bool_switch(&field), help);
        } else {
          cli::add_value(options, name, field, help);
        }
      },
      settings);
}

void check_settings_flags(const PrepareSettings& s) {
  std::string bad;
  const auto need = [&](bool ok, const char* what) {
    if (!ok) bad += std::string(bad.empty() ? "" : "; ") + what;
  };
  need(s.size >= 1 && s.size <= 4096, "--size must be 1..4096");
  need(s.line_width >= 0 && s.padding >= 0, "--line-width and --padding must be >= 0");
  need(s.val_fraction >= 0 && s.val_fraction <= 1, "--val-fraction must be 0..1");
  need(s.shard_size >= 1, "--shard-size must be at least 1");
  if (!bad.empty()) throw cli::UsageError(bad);
}

}  // namespace qd
