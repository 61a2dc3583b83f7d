#pragma once
// The 345 official Quick, Draw! categories, and the --categories option that picks among them.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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

// One task's share of `categories` in a job array of `count` tasks (Slurm --array, a Kubernetes
// Indexed Job): the names at positions index, index + count, index + 2 count... (0 <= index <
// count), so the tasks together cover the list once and neighbours in it go to different tasks.
std::vector<std::string> task_slice(const std::vector<std::string>& categories, size_t index,
                                    size_t count);

// "I/N" (as "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"), 0 <= I < N. Throws CategoryError.
std::pair<size_t, size_t> parse_task(std::string_view text);

}  // namespace qd
