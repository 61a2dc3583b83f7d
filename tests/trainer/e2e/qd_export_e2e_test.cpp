// The real qd_export on runs trained by the real qd_train: its ONNX model, run by ONNX Runtime
// (Web, wasm, under Node), draws what qd_sample --npy draws for the same noise; the page it
// writes, served over HTTP and opened in headless Chromium, draws the same; refusals.
// clang-format off
#include "torch_doctest.h"  // first: LibTorch's glog must not replace doctest's CHECK
// clang-format on

#include <algorithm>
#include <set>
#include <sstream>

#include "http_test_server.h"
#include "onnx_support.h"
#include "qd/store/version.h"
#include "train_e2e_support.h"

using namespace qd::test::train_e2e;
namespace onnx_test = qd::test::onnx;

namespace {

std::string qd_export(const std::string& args) {
  return std::string(QD_EXPORT_EXE) + " " + args + " 2>&1";
}

// Exports `run` (with `flags`) and runs the model on qd_sample's noise for the same `sample`
// flags (--count, --seed, --category ...); returns the largest difference from qd_sample --npy.
int onnx_against_qd_sample(const path& package, const path& run, const path& dir,
                           const std::string& sample, bool conditional) {
  const path model = dir / "g.onnx";
  const auto exported = run_command(qd_export(
      "--run " + quoted(run) + sample + " --onnx " + quoted(model) + " --noise " +
      quoted(dir / "z.npy") + (conditional ? " --labels " + quoted(dir / "labels.npy") : "")));
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.output);
  const auto sampled =
      run_command(qd_sample("--run " + quoted(run) + sample + " --npy " + quoted(dir / "s.npy")));
  REQUIRE_MESSAGE(sampled.exit_code == 0, sampled.output);
  const auto ran = onnx_test::run_model(
      package, model, dir / "z.npy", conditional ? dir / "labels.npy" : path(), dir / "onnx.npy");
  REQUIRE_MESSAGE(ran.exit_code == 0, ran.output);
  return onnx_test::max_difference(dir / "s.npy", dir / "onnx.npy");
}

std::string chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (run_command(std::string("command -v ") + name + " >/dev/null 2>&1").exit_code == 0) {
      return name;
    }
  }
  return "";
}

// The page at `url` once it has drawn, as Chromium's DOM dump (nothing but 127.0.0.1 reachable).
std::string page_dom(const std::string& browser, const std::string& url) {
  return run_command(browser +
                     " --headless --no-sandbox --disable-gpu --proxy-server=127.0.0.1:9 " +
                     "--virtual-time-budget=30000 --dump-dom '" + url + "' 2>/dev/null")
      .output;
}

std::string attribute(const std::string& dom, const std::string& name) {
  const std::string key = name + "=\"";
  const size_t at = dom.find(key);
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size();
  return dom.substr(begin, dom.find('"', begin) - begin);
}

// The page's grid pixels (hex) as a uint8 .npy of `shape`, to compare with qd_sample's.
void hex_to_npy(const std::string& hex, const std::vector<uint64_t>& shape, const path& out) {
  std::string bytes(hex.size() / 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  qd::NpyWriter npy(out.string(), "|u1", std::vector<uint64_t>(shape.begin() + 1, shape.end()));
  npy.append(bytes.data(), shape[0]);
  npy.commit();
}

// Trains a small run for an epoch on `shards` (with `flags`) into `run`.
void train(const std::string& shards, const std::string& flags, const path& run) {
  const auto trained = run_command(qd_train("--shards " + shards + flags +
                                            " --batch-size 32 --threads 1 --workers 1 "
                                            "--log-every 2 --epochs 1 --out " +
                                            quoted(run)));
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
}

// A run of `flags` trained for an epoch on the first `rows` cats of ../shared, in dir/run.
path cat_run(const path& shared, const path& dir, uint64_t rows, const std::string& flags) {
  copy_bitmaps(shared, "cat", rows, dir / "cat.npy");
  train(quoted(dir / "cat.npy"), flags, dir / "run");
  return dir / "run";
}

}  // namespace

TEST_CASE("qd_export --onnx: a grey run's averaged and last weights draw as qd_sample draws") {
  QD_REQUIRE_SHARED(shared);
  const auto package = onnx_test::ort_web_package();
  const qd::test::ScratchDir scratch("export_grey");
  const path& dir = scratch.path();
  const path run = cat_run(shared, dir, 400, " --arch qd");  // qd's recipe: averaged weights

  const auto exported =
      run_command(qd_export("--run " + quoted(run) + " --onnx " + quoted(dir / "cat.onnx")));
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.output);
  CHECK(exported.output.find("wrote " + (dir / "cat.onnx").string()) != std::string::npos);
  const auto checked = onnx_test::check_model(dir / "cat.onnx");
  if (checked.exit_code == 3) {
    MESSAGE(onnx_test::kNoPythonOnnx);
  } else {
    REQUIRE_MESSAGE(checked.exit_code == 0, checked.output);
    for (const std::string& line : std::vector<std::string>{
             "input z FLOAT[N, 100]", "output images UINT8[N, 28, 28]", "meta categories=[\"cat\"]",
             "meta image_shape=[28, 28]", "meta ink=true", "meta arch=small",
             std::string("meta qd_version=") + qd::kVersion}) {
      CHECK_MESSAGE(checked.output.find(line + "\n") != std::string::npos, line, checked.output);
    }
    CHECK(checked.output.find("input label") == std::string::npos);
    CHECK(checked.output.find("averaged weights") != std::string::npos);
  }
  if (!package) {
    MESSAGE(onnx_test::kNoOrtWeb);
    return;
  }
  const int averaged = onnx_against_qd_sample(*package, run, dir, " --count 64 --seed 5", false);
  MESSAGE("grey, averaged weights: largest difference " << averaged << " grey levels");
  CHECK(averaged >= 0);
  CHECK(averaged <= 1);
  fs::rename(dir / "s.npy", dir / "averaged.npy");
  const int last =
      onnx_against_qd_sample(*package, run, dir, " --count 64 --seed 5 --last-weights", false);
  MESSAGE("grey, last weights: largest difference " << last << " grey levels");
  CHECK(last >= 0);
  CHECK(last <= 1);
  // The two sets of weights draw different images: the comparisons above could tell them apart.
  CHECK(onnx_test::max_difference(dir / "averaged.npy", dir / "s.npy") > 1);
}

TEST_CASE("qd_export: a conditional run's model and page draw as qd_sample draws, by category") {
  QD_REQUIRE_SHARED(shared);
  QD_REQUIRE_ORT_WEB(package);
  const qd::test::ScratchDir scratch("export_conditional");
  const path& dir = scratch.path();
  copy_bitmaps(shared, "cat", 300, dir / "cat.npy");
  copy_bitmaps(shared, "dog", 300, dir / "dog.npy");
  const path run = dir / "run";
  train(quoted(dir / "cat.npy") + "," + quoted(dir / "dog.npy"), " --arch small --conditional",
        run);
  const int turns = onnx_against_qd_sample(package, run, dir, " --count 32 --seed 3", true);
  MESSAGE("conditional grey, categories in turn: largest difference " << turns);
  CHECK(turns >= 0);
  CHECK(turns <= 1);
  const int dogs =
      onnx_against_qd_sample(package, run, dir, " --count 32 --seed 3 --category dog", true);
  MESSAGE("conditional grey, dogs: largest difference " << dogs);
  CHECK(dogs >= 0);
  CHECK(dogs <= 1);
  CHECK(numpy_says(dir / "labels.npy", "a.dtype, a.tolist() == [1] * 32") == "int64 True");

  const std::string browser = chromium();
  if (browser.empty()) {
    MESSAGE("skipped the page: no Chromium on PATH (Debian: apt-get install chromium)");
    return;
  }
  const path page = dir / "page";
  const auto exported =
      run_command(qd_export("--run " + quoted(run) + " --count 16 --seed 3 " + "--web " +
                            quoted(page) + " --ort-web " + quoted(package / "dist")));
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.output);
  const qd::test::HttpTestServer server(page, /*lifetime_s=*/300);
  for (const std::string category : {"", "dog", "cat"}) {
    CAPTURE(category);
    const std::string dom = page_dom(
        browser,
        server.url("index.html?probe=1" + (category.empty() ? "" : "&category=" + category)));
    REQUIRE_MESSAGE(attribute(dom, "data-state") == "ready", dom.substr(0, 2000));
    hex_to_npy(attribute(dom, "data-pixels"), {16, 28, 28}, dir / "page.npy");
    const auto sampled = run_command(
        qd_sample("--run " + quoted(run) + " --count 16 --seed 3 --npy " + quoted(dir / "s.npy") +
                  (category.empty() ? "" : " --category " + category)));
    REQUIRE_MESSAGE(sampled.exit_code == 0, sampled.output);
    const int difference = onnx_test::max_difference(dir / "s.npy", dir / "page.npy");
    MESSAGE("page, category '" << category << "': largest difference " << difference);
    CHECK(difference >= 0);
    CHECK(difference <= 1);
    // The walk animates: several frames drawn, not all the same.
    const std::string walk = attribute(dom, "data-walk");
    std::set<std::string> frames;
    std::istringstream in(walk);
    for (std::string frame; std::getline(in, frame, ',');) frames.insert(frame);
    CHECK_MESSAGE(std::count(walk.begin(), walk.end(), ',') >= 2, walk);
    CHECK_MESSAGE(frames.size() >= 2, walk);
  }
}

TEST_CASE("qd_export --onnx: a colour run draws as qd_sample draws") {
  QD_REQUIRE_ORT_WEB(package);
  const qd::test::ScratchDir scratch("export_colour");
  const path& dir = scratch.path();
  write_cifar(dir / "cifar", 64);
  const path run = dir / "run";
  train(quoted(dir / "cifar"), " --arch small --conditional", run);
  const auto checked =
      run_command(qd_export("--run " + quoted(run) + " --onnx " + quoted(dir / "m.onnx")));
  REQUIRE_MESSAGE(checked.exit_code == 0, checked.output);
  const auto described = onnx_test::check_model(dir / "m.onnx");
  if (described.exit_code != 3) {
    REQUIRE_MESSAGE(described.exit_code == 0, described.output);
    CHECK(described.output.find("output images UINT8[N, 32, 32, 3]\n") != std::string::npos);
    CHECK(described.output.find("meta image_shape=[32, 32, 3]\n") != std::string::npos);
    CHECK(described.output.find("meta categories=[\"airplane\", \"automobile\"]\n") !=
          std::string::npos);
  }
  const int difference = onnx_against_qd_sample(package, run, dir, " --count 24 --seed 9", true);
  MESSAGE("colour conditional: largest difference " << difference);
  CHECK(difference >= 0);
  CHECK(difference <= 1);
}

TEST_CASE("qd_export refuses what it cannot do, naming it, and writes nothing") {
  QD_REQUIRE_SHARED(shared);
  const qd::test::ScratchDir scratch("export_refusals");
  const path& dir = scratch.path();
  const path run = cat_run(shared, dir, 200, " --arch small");
  const std::string at = "--run " + quoted(run);
  struct Refusal {
    std::string args;
    int code;
    std::string says;
  };
  fs::create_directories(dir / "mine");
  qd::test::write_file(dir / "mine" / "notes.txt", "keep");
  for (const Refusal& r : std::vector<Refusal>{
           {"--onnx " + quoted(dir / "x.onnx"), 2, "need --run and at least one of"},
           {at, 2, "need --run and at least one of"},
           {"--run " + quoted(dir) + " --onnx " + quoted(dir / "x.onnx"), 2, "holds no run"},
           {at + " --labels " + quoted(dir / "l.npy"), 2, "is not a conditional run"},
           {at + " --category cat --onnx " + quoted(dir / "x.onnx"), 2, "is not a conditional run"},
           {at + " --web " + quoted(dir / "page") + " --ort-web " + quoted(dir), 2,
            "scripts/setup.sh --web"},
           {at + " --web " + quoted(dir / "mine") + " --ort-web " + quoted(dir), 2,
            "no ort.wasm.min.js"},
           {at + " --checkpoint " + quoted(dir / "none.pt") + " --onnx " + quoted(dir / "x.onnx"),
            1, "no such file"},
       }) {
    CAPTURE(r.args);
    const auto result = run_command(qd_export(r.args));
    CHECK(result.exit_code == r.code);
    CHECK_MESSAGE(result.output.find(r.says) != std::string::npos, result.output);
  }
  CHECK_FALSE(fs::exists(dir / "x.onnx"));
  CHECK_FALSE(fs::exists(dir / "l.npy"));
  CHECK_FALSE(fs::exists(dir / "page"));
  CHECK(qd::test::read_file(dir / "mine" / "notes.txt") == "keep");
  const auto help = run_command(qd_export("--help"));
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("images uint8 [N, S, S]") != std::string::npos);

  // A directory of other files is not replaced by a page.
  if (const auto package = onnx_test::ort_web_package()) {
    const auto refused = run_command(qd_export(at + " --web " + quoted(dir / "mine") +
                                               " --ort-web " + quoted(*package / "dist")));
    CHECK(refused.exit_code == 2);
    CHECK_MESSAGE(refused.output.find("holds other files") != std::string::npos, refused.output);
    CHECK(qd::test::read_file(dir / "mine" / "notes.txt") == "keep");
  }
}

TEST_CASE(
    "qd_export: a run of an older qd that still loads is exported, and one that does not is "
    "refused naming the version") {
  QD_REQUIRE_SHARED(shared);
  const qd::test::ScratchDir scratch("export_versions");
  const path& dir = scratch.path();
  const path run = cat_run(shared, dir, 200, " --arch small");
  // As an older qd recorded it.
  std::string config = qd::test::read_file(run / "config.json");
  const std::string now = std::string("\"qd\": \"") + qd::kVersion + "\"";
  REQUIRE(config.find(now) != std::string::npos);
  config.replace(config.find(now), now.size(), "\"qd\": \"0.0.9\"");
  qd::test::write_file(run / "config.json", config);
  const auto exported =
      run_command(qd_export("--run " + quoted(run) + " --onnx " + quoted(dir / "old.onnx")));
  REQUIRE_MESSAGE(exported.exit_code == 0, exported.output);
  const auto checked = onnx_test::check_model(dir / "old.onnx");
  if (checked.exit_code != 3) {
    CHECK_MESSAGE(checked.output.find("meta qd_run_version=0.0.9\n") != std::string::npos,
                  checked.output);
  }
  // A checkpoint this qd cannot read (here: cut short).
  const std::string checkpoint = qd::train::list_checkpoints(run.string()).back();
  const std::string bytes = qd::test::read_file(checkpoint);
  qd::test::write_file(checkpoint, bytes.substr(0, bytes.size() / 2));
  const auto refused =
      run_command(qd_export("--run " + quoted(run) + " --onnx " + quoted(dir / "refused.onnx")));
  CHECK(refused.exit_code == 1);
  CHECK_MESSAGE(refused.output.find("trained by qd 0.0.9") != std::string::npos, refused.output);
  CHECK_FALSE(fs::exists(dir / "refused.onnx"));
}
