#include "qd/cli/command_line.h"

#include <cstdlib>
#include <iostream>

#include "qd/cli/exit_code.h"

namespace qd::cli {

CommandLine::CommandLine(const std::string& usage_text) : visible(usage_text, 100, 50) {
  visible.add_options()("help,h", "show this help and exit");
}

po::variables_map parse_or_exit(int argc, char** argv, CommandLine& command_line) {
  po::options_description all;
  all.add(command_line.visible).add(command_line.hidden);
  po::variables_map vm;
  try {
    po::store(
        po::command_line_parser(argc, argv).options(all).positional(command_line.positional).run(),
        vm);
    if (vm.count("help") != 0U) {
      std::cout << command_line.visible << "\n";
      std::exit(kOk);
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());  // a parsed_value's parse rejected its text
  }
  return vm;
}

bool given(const po::variables_map& vm, const char* name) {
  return vm.count(name) != 0U && !vm[name].defaulted();
}

bool parse_on_off(const std::string& text) {
  if (text == "on" || text == "true" || text == "yes" || text == "1") return true;
  if (text == "off" || text == "false" || text == "no" || text == "0") return false;
  throw std::invalid_argument("'" + text + "' is not on or off");
}

}  // namespace qd::cli
