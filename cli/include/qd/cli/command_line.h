#pragma once
// Command-line parsing shared by the qd tools (Boost.Program_options): --help, usage errors with
// the same text everywhere, and typed enum options parsed once, at the command line.

#include <boost/program_options.hpp>
#include <charconv>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace qd::cli {

namespace po = boost::program_options;

// A command line that cannot be run; run_main prints it with "Try '<tool> --help'." and exits 2.
class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// What a tool accepts: the options shown by --help (`visible`, whose caption is the usage text),
// hidden ones, and positional arguments.
struct CommandLine {
  explicit CommandLine(const std::string& usage_text);

  po::options_description visible;
  po::options_description hidden;
  po::positional_options_description positional;
};

// Parses argv. Prints the help and exits 0 for --help (every tool declares it through this);
// throws UsageError for anything Boost rejects.
po::variables_map parse_or_exit(int argc, char** argv, CommandLine& command_line);

// True when `name` was given on the command line (not only defaulted).
bool given(const po::variables_map& vm, const char* name);

// An option whose text is turned into a value by `parse` when the command line is read (enums,
// "on"/"off"); `parse` throws std::invalid_argument, reported as a usage error naming the option.
template <class T>
po::typed_value<std::string>* parsed_value(T* target, const std::string& default_text,
                                           std::function<T(const std::string&)> parse) {
  return po::value<std::string>()
      ->default_value(default_text)
      ->notifier([target, parse](const std::string& text) { *target = parse(text); });
}

// A value as --help shows it ("0.05", not "0.050000000000000003").
template <class T>
std::string default_text(const T& value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// Declares `name` ("key" or "key,k") bound to `field`, its current value shown as the default.
template <class T>
void add_value(po::options_description& options, const std::string& name, T& field,
               const std::string& help) {
  options.add_options()(name.c_str(), po::value(&field)->default_value(field, default_text(field)),
                        help.c_str());
}

// A value of `option` ("--lr") accepting only `range`'s values: any other value, negative text
// for an unsigned field included, is a usage error naming the option, the value and the range.
// No default: for options whose default is decided later. `range` is a qd::ValueRange<T>
// (qd/store/value_range.h) or anything with its describe() and parse(option, text) -> T.
template <class T, class Range>
po::typed_value<std::string>* ranged_value(T& field, const Range& range, std::string option) {
  static_assert(std::is_same_v<decltype(range.parse("", "")), T>, "a range of the field's type");
  // Parsed as text: Boost's own parsing reads "-1" into an unsigned field as its largest value.
  return po::value<std::string>()->notifier(
      [&field, range, option](const std::string& text) { field = range.parse(option, text); });
}

// add_value accepting only `range`'s values (ranged_value); --help shows the range
// ("... (1..4096)"). The default too is parsed, from its shortest exact text, so it must be in
// the range.
template <class T, class Range>
void add_value(po::options_description& options, const std::string& name, T& field,
               const std::string& help, const Range& range) {
  char shown[64];
  const auto end = std::to_chars(shown, shown + sizeof shown, field).ptr;
  options.add_options()(name.c_str(),
                        ranged_value(field, range, "--" + name.substr(0, name.find(',')))
                            ->default_value(std::string(shown, end)),
                        (help + " (" + range.describe() + ")").c_str());
}

// "on"/"off" (also true/false, yes/no, 1/0).
bool parse_on_off(const std::string& text);
inline const char* on_off(bool b) {
  return b ? "on" : "off";
}

}  // namespace qd::cli
