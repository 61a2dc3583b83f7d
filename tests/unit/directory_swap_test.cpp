#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

#include "qd/store/atomic_directory.h"
#include "qd/store/run_lock.h"
#include "test_support.h"

namespace {

void write(const qd::test::fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("install_directory puts a staged directory in place, replacing the old one whole") {
  qd::test::ScratchDir dir("directory_swap");
  const auto dest = dir / "cat";
  const auto staged = dir / ".cat.partial-1";
  qd::test::fs::create_directories(staged);
  write(staged / "a", "first");
  qd::install_directory(staged.string(), dest.string());
  CHECK(qd::test::read_file(dest / "a") == "first");
  CHECK_FALSE(qd::test::fs::exists(staged));

  qd::test::fs::create_directories(staged);
  write(staged / "b", "second");
  qd::install_directory(staged.string(), dest.string());
  CHECK(qd::test::read_file(dest / "b") == "second");
  CHECK_FALSE(qd::test::fs::exists(dest / "a"));  // nothing of the old version is mixed in
  CHECK_FALSE(qd::test::fs::exists(staged));

  CHECK_THROWS_WITH(qd::install_directory((dir / "missing").string(), dest.string()),
                    doctest::Contains("missing"));
}

TEST_CASE("remove_tree removes a nested tree, symbolic links as links, and a missing one quietly") {
  qd::test::ScratchDir dir("remove_tree");
  const auto kept = dir / "kept";
  qd::test::fs::create_directories(kept);
  write(kept / "precious", "keep me");
  const auto tree = dir / "tree";
  qd::test::fs::create_directories(tree / "a" / "b" / "c");
  write(tree / "top", "1");
  write(tree / "a" / "b" / "c" / "deep", "2");
  qd::test::fs::create_directory_symlink(kept, tree / "a" / "link");
  qd::remove_tree(tree.string());
  CHECK_FALSE(qd::test::fs::exists(tree));
  CHECK(qd::test::read_file(kept / "precious") == "keep me");  // the link's target is untouched
  qd::remove_tree(tree.string());                              // no longer there: no error
  CHECK_FALSE(qd::test::fs::exists(tree));
}

TEST_CASE("RunLock admits one holder at a time and says who holds it") {
  qd::test::ScratchDir dir("run_lock");
  const std::string path = (dir / ".qd_prepare.lock").string();
  std::string holder;
  auto first = qd::RunLock::try_acquire(path, &holder);
  REQUIRE(first);
  // flock locks belong to open file descriptions, so a second open in this process conflicts
  // just as another process would.
  auto second = qd::RunLock::try_acquire(path, &holder);
  CHECK_FALSE(second);
  CHECK(holder == std::to_string(::getpid()));
  first.reset();
  CHECK(qd::RunLock::try_acquire(path));
}
