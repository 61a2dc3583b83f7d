#include "settings_flags.h"

#include <string>
#include <string_view>
#include <type_traits>

namespace qd {

void add_settings_flags(cli::po::options_description& options, PrepareSettings& settings,
                        SettingsFlags which) {
  visit_prepare_settings(
      [&](std::string_view key, const char* help, const auto& range, auto& field) {
        // qd_render renders every drawing within the work limits: it has no use for the
        // filters, the split, the shards or --max-per-category (its --limit counts).
        const bool rendering = key == "size" || key == "line_width" || key == "padding" ||
                               key == "max_record_bytes" || key == "max_points" ||
                               key == "max_strokes" || key == "epsilon";
        if (which == SettingsFlags::kRendering && !rendering) return;
        std::string name(key);
        for (char& c : name) c = c == '_' ? '-' : c;
        if (key == "size") name += ",s";
        if constexpr (std::is_same_v<std::decay_t<decltype(field)>, bool>) {
          options.add_options()(name.c_str(), cli::po::bool_switch(&field), help);
        } else if constexpr (std::is_same_v<std::decay_t<decltype(field)>, std::string>) {
          // A list (--format): the tool puts it in canonical form, or refuses it, after parsing.
          options.add_options()(name.c_str(), cli::po::value(&field)->default_value(field), help);
        } else {
          cli::add_value(options, name, field, help, range);
        }
      },
      settings);
}

}  // namespace qd
