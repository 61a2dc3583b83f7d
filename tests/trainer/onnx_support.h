#pragma once
// What the exporter's tests share: ONNX Runtime Web under Node to run an exported model, onnx's
// Python checker, and the comparison of two uint8 .npy files.

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>

#include "qd/store/npy.h"
#include "test_support.h"

namespace qd::test::onnx {

// The onnxruntime-web npm package (scripts/setup.sh --web installs it; $QD_ORT_WEB_PACKAGE
// elsewhere), when it and node are there.
inline std::optional<fs::path> ort_web_package() {
  const char* env = std::getenv("QD_ORT_WEB_PACKAGE");
  const fs::path package = env != nullptr
                               ? fs::path(env)
                               : fs::path("/usr/local/lib/qd-web/node_modules/onnxruntime-web");
  if (!fs::exists(package / "package.json")) return std::nullopt;
  if (run_command("command -v node >/dev/null 2>&1").exit_code != 0) return std::nullopt;
  return package;
}

inline const char* kNoOrtWeb =
    "skipped: needs node and ONNX Runtime Web in /usr/local/lib/qd-web (scripts/setup.sh --web) "
    "or $QD_ORT_WEB_PACKAGE";

// Test cases that run models begin with this: without ONNX Runtime Web they pass after saying why.
#define QD_REQUIRE_ORT_WEB(var)                               \
  const auto var##_opt = ::qd::test::onnx::ort_web_package(); \
  if (!var##_opt) {                                           \
    MESSAGE(::qd::test::onnx::kNoOrtWeb);                     \
    return;                                                   \
  }                                                           \
  const ::qd::test::fs::path var = *var##_opt

// Runs `model` on z (and labels, "" for none) and writes its images to `out`.
inline CommandResult run_model(const fs::path& package, const fs::path& model, const fs::path& z,
                               const fs::path& labels, const fs::path& out) {
  return run_command("node " +
                     quoted(fs::path(QD_SOURCE_DIR) / "tests" / "trainer" / "onnx_run.cjs") + " " +
                     quoted(package) + " " + quoted(model) + " " + quoted(z) + " " +
                     (labels.empty() ? "" : quoted(labels) + " ") + quoted(out) + " 2>&1");
}

// onnx.checker (full check) on `model`, and what it prints of the model; exit code 3 when
// Python has no onnx module.
inline CommandResult check_model(const fs::path& model) {
  return run_command(std::string(QD_PYTHON) + " -c 'import onnx' 2>/dev/null || exit 3; " +
                     QD_PYTHON + " " +
                     quoted(fs::path(QD_SOURCE_DIR) / "tests" / "trainer" / "onnx_check.py") + " " +
                     quoted(model) + " 2>&1");
}

inline const char* kNoPythonOnnx = "skipped: Python has no onnx module (Debian: python3-onnx)";

// The largest difference between two uint8 .npy files of the same shape; -1 if the shapes differ.
inline int max_difference(const fs::path& a, const fs::path& b) {
  const qd::MappedNpy x(a.string());
  const qd::MappedNpy y(b.string());
  if (x.shape() != y.shape() || x.descr() != "|u1" || y.descr() != "|u1") return -1;
  int most = 0;
  const uint64_t bytes = x.rows() * x.row_bytes();
  for (uint64_t i = 0; i < bytes; ++i) most = std::max(most, std::abs(x.data()[i] - y.data()[i]));
  return most;
}

}  // namespace qd::test::onnx
