#include "class_names.h"

#include <fstream>

#include "qd/images/image_set.h"

namespace qd::images {

std::vector<std::string> read_class_names(const std::string& path, bool skip_blank_lines) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ImageInputError(path + ": cannot open the class names file");
  std::vector<std::string> names;
  size_t first_blank = 0;  // 1-based line of a blank line not yet followed by a name
  size_t line_number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      if (first_blank == 0) first_blank = line_number;
      continue;
    }
    if (first_blank != 0 && !skip_blank_lines) {
      throw ImageInputError(path + ": line " + std::to_string(first_blank) +
                            " is blank: class names are one per line, in label order, so a blank "
                            "line would give every later label the wrong name");
    }
    first_blank = 0;
    names.push_back(line);
  }
  if (in.bad()) throw ImageInputError(path + ": cannot read the class names file");
  if (names.empty()) throw ImageInputError(path + ": holds no class names (one per line)");
  return names;
}

std::vector<std::string> numeric_class_names(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back(std::to_string(i));
  return names;
}

void check_labels_named(const std::vector<int>& labels, const std::vector<std::string>& names,
                        const std::string& names_file, const std::string& labels_source) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= names.size()) {
      throw ImageInputError(names_file + ": names " + std::to_string(names.size()) +
                            " classes (labels 0 to " + std::to_string(names.size() - 1) +
                            "), but image " + std::to_string(i) + " of " + labels_source +
                            " has label " + std::to_string(labels[i]) +
                            ": every label needs a name, one per line in label order");
    }
  }
}

}  // namespace qd::images
