// The real qd_render executable, on hand-made fixtures and on every real file in ../shared.
#include <doctest/doctest.h>

#include <string>

#include "test_support.h"

using qd::test::quoted;
using qd::test::run_command;
using qd::test::fs::path;

namespace {

std::string qd_render(const std::string& args) {
  return std::string(QD_RENDER_EXE) + " " + args;
}

// Evaluates a Python expression about an .npy file with NumPy; returns what it prints.
std::string numpy_says(const path& npy, const std::string& expression) {
  const auto r = run_command(std::string(QD_PYTHON) + " -c \"import numpy as np; a = np.load('" +
                             npy.string() + "', mmap_mode='r'); print(" + expression + ")\"");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return r.output.substr(0, r.output.find_last_not_of('\n') + 1);
}

}  // namespace

TEST_CASE("bad lines are reported with their number and reason, and the good ones rendered") {
  qd::test::ScratchDir dir("render_bad_lines");
  const auto r =
      run_command(qd_render(quoted(qd::test::fixtures() / "render_bad_lines.ndjson") + " --out " +
                            quoted(dir / "out.npy") + " --grid " + quoted(dir / "sheet.png")));
  CHECK(r.exit_code == 3);
  for (const char* expected :
       {"ndjson:2: not_json", "ndjson:3: missing_field: no \"key_id\" field",
        "ndjson:4: wrong_type: recognized", "ndjson:5: key_id 4: length_mismatch",
        "ndjson:6: key_id 5: coordinate_out_of_range", "ndjson:7: key_id 6: empty_drawing",
        "ndjson:8: key_id 7: empty_stroke", "ndjson:10: truncated",
        "2 drawings rendered, 8 lines rejected"}) {
    CHECK_MESSAGE(r.output.find(expected) != std::string::npos, "missing '" << expected << "' in:\n"
                                                                            << r.output);
  }
  CHECK(numpy_says(dir / "out.npy", "a.shape, a.dtype") == "(2, 28, 28) uint8");
  CHECK(qd::test::read_file(dir / "sheet.png").substr(1, 3) == "PNG");
}

TEST_CASE("usage errors exit 2, unreadable input exits 1, --help exits 0") {
  CHECK(run_command(qd_render("")).exit_code == 2);
  CHECK(run_command(qd_render("x.ndjson --size 0")).exit_code == 2);
  CHECK(run_command(qd_render("x.ndjson --no-such-option")).exit_code == 2);
  // Boost alone read "-1" into these unsigned options as their largest value.
  const auto limit = run_command(qd_render("x.ndjson --limit -1"));
  CHECK(limit.exit_code == 2);
  CHECK(limit.output.find("qd_render: --limit must be >= 0, not -1\n") == 0);
  const auto grid = run_command(qd_render("x.ndjson --grid-count -1"));
  CHECK(grid.exit_code == 2);
  CHECK(grid.output.find("qd_render: --grid-count must be in 1..10000, not -1\n") == 0);
  CHECK(run_command(qd_render("x.ndjson --grid-scale 0")).exit_code == 2);
  // qd_render keeps every drawing: --max-per-category was accepted and ignored.
  CHECK(run_command(qd_render("x.ndjson --max-per-category 1")).exit_code == 2);
  const auto missing = run_command(qd_render("/nonexistent/cat.ndjson"));
  CHECK(missing.exit_code == 1);
  CHECK(missing.output.find("/nonexistent/cat.ndjson: cannot open") != std::string::npos);
  const auto help = run_command(qd_render("--help"));
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--grid") != std::string::npos);
}

TEST_CASE("every real simplified file renders, plain and gzipped, with exit 0") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("render_all");
  int files = 0;
  for (const auto& entry : qd::test::fs::directory_iterator(shared / "simplified")) {
    const path gz = dir / "input.ndjson.gz";
    REQUIRE(run_command("gzip -c " + quoted(entry.path()) + " > " + quoted(gz)).exit_code == 0);
    for (const path& input : {entry.path(), gz}) {
      const auto r =
          run_command(qd_render(quoted(input) + " --quiet --out " + quoted(dir / "x.npy")));
      CHECK_MESSAGE(r.exit_code == 0, input << ":\n" << r.output);
    }
    ++files;
  }
  MESSAGE(files << " files rendered, plain and gzipped");
  CHECK(files >= 344);
}

TEST_CASE("qd_render's .npy holds Google's exact images, loadable by numpy") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("render_golden");
  const auto out = dir / "cat.npy";
  const auto r = run_command(
      qd_render(quoted(shared / "simplified" / "cat.ndjson") + " --limit 25 --out " + quoted(out)));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(numpy_says(out, "a.shape") == "(25, 28, 28)");
  const std::string google = (shared / "numpy_bitmap" / "cat.npy").string();
  CHECK(numpy_says(out, "int((np.load('" + google + "')[:25].reshape(25, 28, 28) == a).all())") ==
        "1");
}

TEST_CASE("--size changes the image side") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("render_sizes");
  for (const int side : {64, 128}) {
    const auto out = dir / ("eye" + std::to_string(side) + ".npy");
    const auto r = run_command(qd_render(quoted(shared / "simplified" / "eye.ndjson") + " --size " +
                                         std::to_string(side) + " --out " + quoted(out)));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    CHECK(numpy_says(out, "a.shape") ==
          "(25, " + std::to_string(side) + ", " + std::to_string(side) + ")");
  }
}
