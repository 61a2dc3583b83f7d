#include "qd/trainer/run_directory.h"

#include <simdjson.h>
#include <torch/version.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "qd/pipeline/atomic_file.h"

namespace qd::train {

namespace fs = std::filesystem;

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return {buf, r.ptr};
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const char* boolean(bool b) {
  return b ? "true" : "false";
}

std::string options_json(const TrainOptions& o) {
  std::ostringstream j;
  j << "{\n    \"shards\": [";
  for (size_t i = 0; i < o.shards.size(); ++i) j << (i ? ", " : "") << quoted(o.shards[i]);
  j << "],\n    \"split\": " << quoted(o.split) << ",\n    \"arch\": " << quoted(o.arch)
    << ",\n    \"conditional\": " << boolean(o.conditional) << ",\n    \"epochs\": " << o.epochs
    << ",\n    \"batch_size\": " << o.batch_size << ",\n    \"latent_dim\": " << o.latent_dim
    << ",\n    \"lr_g\": " << number(o.lr_g) << ",\n    \"lr_d\": " << number(o.lr_d)
    << ",\n    \"beta1\": " << number(o.beta1) << ",\n    \"beta2\": " << number(o.beta2)
    << ",\n    \"label_smoothing\": " << number(o.label_smoothing)
    << ",\n    \"label_noise\": " << number(o.label_noise)
    << ",\n    \"instance_noise\": " << number(o.instance_noise)
    << ",\n    \"instance_noise_steps\": " << o.instance_noise_steps
    << ",\n    \"ema_decay\": " << number(o.ema_decay) << ",\n    \"seed\": " << o.seed
    << ",\n    \"device\": " << quoted(o.device) << ",\n    \"threads\": " << o.threads
    << ",\n    \"workers\": " << o.workers
    << ",\n    \"data_on_device\": " << quoted(o.data_on_device)
    << ",\n    \"cudnn_benchmark\": " << boolean(o.fast.cudnn_benchmark)
    << ",\n    \"channels_last\": " << boolean(o.fast.channels_last)
    << ",\n    \"bf16\": " << boolean(o.fast.bf16)
    << ",\n    \"cuda_graph\": " << boolean(o.fast.cuda_graph)
    << ",\n    \"checkpoint_every\": " << o.checkpoint_every
    << ",\n    \"keep_checkpoints\": " << o.keep_checkpoints
    << ",\n    \"log_every\": " << o.log_every << "\n  }";
  return j.str();
}

// Reads config.json's fields, naming the file and the key in every error.
class ConfigReader {
 public:
  ConfigReader(std::string origin, simdjson::dom::element root)
      : origin_(std::move(origin)), root_(root) {}

  simdjson::dom::element at(simdjson::dom::element e, const char* key) const {
    simdjson::dom::element v;
    if (e[key].get(v) != simdjson::SUCCESS) fail(std::string("missing \"") + key + "\"");
    return v;
  }
  std::string str(simdjson::dom::element e, const char* key) const {
    std::string_view v;
    if (at(e, key).get(v) != simdjson::SUCCESS) fail(std::string(key) + " is not a string");
    return std::string(v);
  }
  int64_t i64(simdjson::dom::element e, const char* key) const {
    int64_t v = 0;
    if (at(e, key).get(v) != simdjson::SUCCESS) fail(std::string(key) + " is not an integer");
    return v;
  }
  uint64_t u64(simdjson::dom::element e, const char* key) const {
    uint64_t v = 0;
    if (at(e, key).get(v) != simdjson::SUCCESS) fail(std::string(key) + " is not an integer");
    return v;
  }
  double f64(simdjson::dom::element e, const char* key) const {
    double v = 0;
    if (at(e, key).get(v) != simdjson::SUCCESS) fail(std::string(key) + " is not a number");
    return v;
  }
  // For keys added after format_version 2 was first written.
  double f64_or(simdjson::dom::element e, const char* key, double absent) const {
    simdjson::dom::element v;
    return e[key].get(v) == simdjson::SUCCESS ? f64(e, key) : absent;
  }
  bool boolean(simdjson::dom::element e, const char* key) const {
    bool v = false;
    if (at(e, key).get(v) != simdjson::SUCCESS) fail(std::string(key) + " is not true/false");
    return v;
  }
  std::vector<std::string> strings(simdjson::dom::element e, const char* key) const {
    simdjson::dom::array a;
    if (at(e, key).get(a) != simdjson::SUCCESS) fail(std::string(key) + " is not an array");
    std::vector<std::string> out;
    for (auto item : a) {
      std::string_view s;
      if (item.get(s) != simdjson::SUCCESS) fail(std::string(key) + " holds a non-string");
      out.emplace_back(s);
    }
    return out;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(origin_ + ": " + what);
  }
  simdjson::dom::element root() const { return root_; }

 private:
  std::string origin_;
  simdjson::dom::element root_;
};

int64_t step_of(const fs::path& checkpoint) {
  // step-00001234.pt
  const std::string stem = checkpoint.stem().string();
  return std::stoll(stem.substr(5));
}

bool is_checkpoint(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.size() == 16 && name.rfind("step-", 0) == 0 && p.extension() == ".pt" &&
         std::all_of(name.begin() + 5, name.begin() + 13, ::isdigit);
}

}  // namespace

void create_run_directory(const std::string& dir) {
  if (fs::exists(dir)) {
    if (fs::exists(fs::path(dir) / "config.json")) {
      throw RunDirectoryError(dir +
                              " already holds a run: add --resume to continue it, or choose "
                              "another --out");
    }
    if (!fs::is_directory(dir) || !fs::is_empty(dir)) {
      throw RunDirectoryError(dir + " exists and is not an empty directory: choose another --out");
    }
  }
  fs::create_directories(fs::path(dir) / "samples");
  fs::create_directories(fs::path(dir) / "checkpoints");
}

void write_run_config(const std::string& dir, const TrainOptions& options, const Dataset& data) {
  std::ostringstream j;
  j << "{\n  \"format_version\": " << kRunFormatVersion
    << ",\n  \"written_at\": " << quoted(utc_now())
    << ",\n  \"versions\": { \"qd\": " << quoted(QD_VERSION)
    << ", \"libtorch\": " << quoted(TORCH_VERSION)
    << " },\n  \"options\": " << options_json(options)
    << ",\n  \"data\": {\n    \"images\": " << data.size() << ",\n    \"side\": " << data.side()
    << ",\n    \"categories\": [";
  for (size_t i = 0; i < data.categories().size(); ++i) {
    j << (i ? ", " : "") << quoted(data.categories()[i]);
  }
  j << "],\n    \"sources\": [";
  for (size_t i = 0; i < data.sources().size(); ++i) {
    const DatasetSource& s = data.sources()[i];
    j << (i ? "," : "") << "\n      { \"path\": " << quoted(s.path)
      << ", \"category\": " << quoted(s.category) << ", \"label\": " << s.label
      << ", \"images\": " << s.images
      << ",\n        \"manifest\": " << (s.manifest_json.empty() ? "null" : s.manifest_json)
      << " }";
  }
  j << "\n    ]\n  }\n}\n";
  write_file_atomically((fs::path(dir) / "config.json").string(), j.str());
}

SavedRun read_run_config(const std::string& dir) {
  const std::string path = (fs::path(dir) / "config.json").string();
  if (!fs::exists(path)) {
    throw RunDirectoryError(dir + " holds no run (no config.json)");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const auto e = parser.load(path).get(root)) {
    throw std::runtime_error(path + ": " + simdjson::error_message(e));
  }
  const ConfigReader r(path, root);
  if (r.i64(root, "format_version") != kRunFormatVersion) {
    r.fail("format_version " + std::to_string(r.i64(root, "format_version")) + " (this qd reads " +
           std::to_string(kRunFormatVersion) + ")");
  }
  SavedRun run;
  const auto o = r.at(root, "options");
  TrainOptions& t = run.options;
  t.shards = r.strings(o, "shards");
  t.split = r.str(o, "split");
  t.out = dir;
  t.arch = r.str(o, "arch");
  t.conditional = r.boolean(o, "conditional");
  t.epochs = r.i64(o, "epochs");
  t.batch_size = r.i64(o, "batch_size");
  t.latent_dim = r.i64(o, "latent_dim");
  t.lr_g = r.f64(o, "lr_g");
  t.lr_d = r.f64(o, "lr_d");
  t.beta1 = r.f64(o, "beta1");
  t.beta2 = r.f64(o, "beta2");
  t.label_smoothing = r.f64(o, "label_smoothing");
  t.label_noise = r.f64(o, "label_noise");
  t.instance_noise = r.f64(o, "instance_noise");
  t.instance_noise_steps = r.i64(o, "instance_noise_steps");
  t.ema_decay = r.f64_or(o, "ema_decay", 0.0);
  t.seed = r.u64(o, "seed");
  t.device = r.str(o, "device");
  t.threads = static_cast<int>(r.i64(o, "threads"));
  t.workers = static_cast<int>(r.i64(o, "workers"));
  t.data_on_device = r.str(o, "data_on_device");
  t.fast.cudnn_benchmark = r.boolean(o, "cudnn_benchmark");
  t.fast.channels_last = r.boolean(o, "channels_last");
  t.fast.bf16 = r.boolean(o, "bf16");
  t.fast.cuda_graph = r.boolean(o, "cuda_graph");
  t.checkpoint_every = r.i64(o, "checkpoint_every");
  t.keep_checkpoints = static_cast<int>(r.i64(o, "keep_checkpoints"));
  t.log_every = r.i64(o, "log_every");
  const auto data = r.at(root, "data");
  run.categories = r.strings(data, "categories");
  run.side = r.i64(data, "side");
  run.images = r.u64(data, "images");
  return run;
}

std::string checkpoint_path(const std::string& dir, int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%08lld.pt", static_cast<long long>(step));
  return (fs::path(dir) / "checkpoints" / name).string();
}

std::vector<std::string> list_checkpoints(const std::string& dir) {
  std::vector<fs::path> found;
  const fs::path folder = fs::path(dir) / "checkpoints";
  if (fs::is_directory(folder)) {
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (is_checkpoint(entry.path())) found.push_back(entry.path());
    }
  }
  std::sort(found.begin(), found.end(),
            [](const fs::path& a, const fs::path& b) { return step_of(a) < step_of(b); });
  return {found.begin(), found.end()};
}

void prune_checkpoints(const std::string& dir, int keep) {
  const auto all = list_checkpoints(dir);
  for (size_t i = 0; i + static_cast<size_t>(std::max(keep, 1)) < all.size(); ++i) {
    fs::remove(all[i]);
  }
}

}  // namespace qd::train
