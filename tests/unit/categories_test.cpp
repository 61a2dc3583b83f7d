#include "qd/pipeline/categories.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "test_support.h"

using Names = std::vector<std::string>;

TEST_CASE("the official list has 345 unique names, from aircraft carrier to zigzag") {
  const Names& names = qd::official_categories();
  CHECK(names.size() == 345);
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == 345);
  CHECK(names.front() == "aircraft carrier");
  CHECK(names.back() == "zigzag");
  CHECK(qd::is_official_category("The Eiffel Tower"));
  CHECK_FALSE(qd::is_official_category("the eiffel tower"));
  CHECK_FALSE(qd::is_official_category("cat "));
}

TEST_CASE("the official list equals Google's categories.txt line for line") {
  QD_REQUIRE_SHARED(shared);
  std::ifstream in(shared / "categories.txt");
  REQUIRE(in);
  Names lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  CHECK(lines == qd::official_categories());
}

TEST_CASE("--categories: names separated by commas, trimmed, duplicates dropped in order") {
  CHECK(qd::resolve_categories("cat") == Names{"cat"});
  CHECK(qd::resolve_categories(" dog ,cat,  The Eiffel Tower ,dog,") ==
        Names{"dog", "cat", "The Eiffel Tower"});
  CHECK(qd::resolve_categories("all") == qd::official_categories());
  CHECK(qd::resolve_categories(" all ") == qd::official_categories());
}

TEST_CASE("--categories @file: one name per line, commas allowed, comments and blanks ignored") {
  const qd::test::ScratchDir dir("categories_test");
  const auto path = dir / "list.txt";
  std::ofstream(path) << "# animals\n"
                         "cat\n"
                         "\n"
                         "   dog, sea turtle   # two on one line\n"
                         "The Great Wall of China\n"
                         "cat\n";
  CHECK(qd::resolve_categories("@" + path.string()) ==
        Names{"cat", "dog", "sea turtle", "The Great Wall of China"});

  const auto empty = dir / "empty.txt";
  std::ofstream(empty) << "# nothing yet\n\n";
  CHECK_THROWS_WITH_AS(qd::resolve_categories("@" + empty.string()),
                       doctest::Contains("no category given"), qd::CategoryError);
}

TEST_CASE("an unreadable @file is an error naming its path") {
  CHECK_THROWS_WITH_AS(qd::resolve_categories("@/nonexistent/list.txt"),
                       doctest::Contains("/nonexistent/list.txt"), qd::CategoryError);
}

TEST_CASE("unknown names are all listed, each with the nearest official names") {
  try {
    qd::resolve_categories("catt, dog, Eifel tower");
    FAIL("no CategoryError");
  } catch (const qd::CategoryError& e) {
    const std::string message = e.what();
    CHECK(message.find("unknown category 'catt': did you mean 'cat', 'ant', 'bat'?") !=
          std::string::npos);
    CHECK(message.find("unknown category 'Eifel tower': did you mean ") != std::string::npos);
    CHECK(message.find("'The Eiffel Tower'") != std::string::npos);
    CHECK(message.find("'dog'") == std::string::npos);
  }
  CHECK_THROWS_AS(qd::resolve_categories(""), qd::CategoryError);
  CHECK_THROWS_AS(qd::resolve_categories(" , "), qd::CategoryError);
}

TEST_CASE("suggestions ignore case and keep the list's order on ties") {
  CHECK(qd::nearest_categories("CAT", 1) == Names{"cat"});
  CHECK(qd::nearest_categories("the mona lisa", 1) == Names{"The Mona Lisa"});
  // "cat" is one edit from "cbt"; "ant", "bat", "car", "cow"... are two: list order decides.
  CHECK(qd::nearest_categories("cbt", 3) == Names{"cat", "ant", "bat"});
  CHECK(qd::nearest_categories("cbt", 0).empty());
}

TEST_CASE("--task I/N: every Nth category from I, the tasks together covering the list once") {
  const std::vector<std::string> all = {"a", "b", "c", "d", "e", "f", "g"};
  CHECK(qd::task_slice(all, 0, 3) == std::vector<std::string>{"a", "d", "g"});
  CHECK(qd::task_slice(all, 2, 3) == std::vector<std::string>{"c", "f"});
  CHECK(qd::task_slice(all, 0, 1) == all);
  CHECK(qd::task_slice(all, 8, 9).empty());
  std::vector<std::string> joined;
  for (size_t i = 0; i < 4; ++i) {
    for (const auto& c : qd::task_slice(all, i, 4)) joined.push_back(c);
  }
  std::sort(joined.begin(), joined.end());
  CHECK(joined == all);

  CHECK(qd::parse_task("0/6") == std::pair<size_t, size_t>{0, 6});
  CHECK(qd::parse_task("5/6") == std::pair<size_t, size_t>{5, 6});
  for (const char* bad : {"6/6", "1/0", "1", "/6", "1/", "-1/6", "a/6", "1/6/7", " 1/6", ""}) {
    CHECK_THROWS_AS_MESSAGE(qd::parse_task(bad), qd::CategoryError, bad);
  }
  CHECK_THROWS_WITH(qd::parse_task("6/6"), doctest::Contains("need 0 <= I < N"));
}
