#pragma once
// The 345 official Quick, Draw! categories, and the --categories option that picks among them.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace qd {

// A --categories value that names no category, an unknown one, or a list that cannot be read.
class CategoryError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Google's 345 category names, in the order of the dataset's categories.txt (some have spaces:
// "The Eiffel Tower").
const std::vector<std::string>& official_categories();

// Exact, case-sensitive: the names are also the file names on Google's bucket.
bool is_official_category(std::string_view name);

// The `count` official names closest to `name` by edit distance, ignoring case; ties keep the
// list's order. For "did you mean" hints.
std::vector<std::string> nearest_categories(std::string_view name, size_t count = 3);

// Resolves a --categories value:
//   "cat, The Eiffel Tower,dog"  official names separated by commas (whitespace around each
//   trimmed) "all"                        every official category, in Google's order
//   "@path"                      a file of names, one per line (commas allowed too); blank lines
//                                and everything after '#' are ignored
// Duplicates are dropped, the first occurrence keeping its place. Throws CategoryError listing
// every unknown name with suggestions, naming an unreadable file, or when no name is given.
std::vector<std::string> resolve_categories(const std::string& spec);

}  // namespace qd
