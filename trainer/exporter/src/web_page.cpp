#include "qd/exporter/web_page.h"

#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "qd/store/atomic_directory.h"
#include "qd/store/atomic_file.h"
#include "web_assets.h"

namespace qd::train {

namespace fs = std::filesystem;

namespace {

// A directory qd_export may replace: absent, empty, or a page it wrote (page.json says so).
bool replaceable(const fs::path& dir) {
  if (!fs::exists(dir)) return true;
  if (!fs::is_directory(dir)) return false;
  if (fs::is_empty(dir)) return true;
  const fs::path marker = dir / "page.json";
  return fs::is_regular_file(marker) &&
         read_file(marker.string()).find("\"generator\": \"qd_export\"") != std::string::npos;
}

// Removes the staging directory unless it was installed.
struct Staged {
  std::string path;
  bool installed = false;
  ~Staged() {
    if (!installed) remove_tree(path);
  }
};

}  // namespace

void check_ort_web(const std::string& ort_web) {
  for (const char* file : kOrtWebFiles) {
    if (!fs::is_regular_file(fs::path(ort_web) / file)) {
      throw std::invalid_argument(
          "--ort-web " + ort_web + ": no " + file +
          " there; the page needs ONNX Runtime Web's dist/ directory: install it with "
          "scripts/setup.sh --web (npm install onnxruntime-web) or give --ort-web "
          "node_modules/onnxruntime-web/dist");
    }
  }
}

void write_web_page(const std::string& dir, const std::string& ort_web, const std::string& onnx,
                    const std::string& page_json) {
  check_ort_web(ort_web);
  const fs::path dest = fs::absolute(dir).lexically_normal();
  if (!replaceable(dest)) {
    throw std::invalid_argument("--web " + dir +
                                " holds other files: give a new or empty directory, or one "
                                "holding a page qd_export wrote (it is replaced)");
  }
  const fs::path parent =
      dest.has_filename() ? dest.parent_path() : dest.parent_path().parent_path();
  fs::create_directories(parent);
  Staged staged{
      (parent / ("." + dest.filename().string() + ".partial-" + std::to_string(::getpid())))
          .string()};
  remove_tree(staged.path);
  fs::create_directories(staged.path);
  const fs::path s(staged.path);
  write_file_atomically((s / "index.html").string(), kIndexHtml);
  write_file_atomically((s / "qd_page.js").string(), kPageJs);
  write_file_atomically((s / "generator.onnx").string(), onnx);
  write_file_atomically((s / "page.json").string(), page_json);
  for (const char* file : kOrtWebFiles) {
    write_file_atomically((s / file).string(), read_file((fs::path(ort_web) / file).string()));
  }
  install_directory(staged.path, dest.string());
  staged.installed = true;
}

}  // namespace qd::train
