#pragma once
// Class names for labelled images: from a names file, or the label values themselves.

#include <string>
#include <vector>

namespace qd::images {

// One name per line ("\r\n" too). Blank lines at the end are ignored; a blank line before a name
// is an error naming the file and line (it would shift every later label's name), unless
// `skip_blank_lines` (CIFAR-10's batches.meta.txt, which is a list and nothing more).
std::vector<std::string> read_class_names(const std::string& path, bool skip_blank_lines = false);

// "0", "1", ... "count - 1".
std::vector<std::string> numeric_class_names(int count);

// Every label must have a name: the error names `names_file` and the first label without one
// (image `index` of `labels_source`).
void check_labels_named(const std::vector<int>& labels, const std::vector<std::string>& names,
                        const std::string& names_file, const std::string& labels_source);

}  // namespace qd::images
