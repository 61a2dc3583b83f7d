#include "qd/run/run_directory.h"

#include <torch/version.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "qd/store/atomic_file.h"
#include "qd/store/json.h"
#include "qd/store/version.h"

namespace qd::train {

namespace fs = std::filesystem;

namespace {

template <class T>
void write_value(JsonWriter& j, const T& v) {
  if constexpr (std::is_enum_v<T>) {
    j.value(to_string(v));
  } else {
    j.value(v);
  }
}

template <class T>
void read_value(const JsonObject& o, const char* key, T& v) {
  o.get(key, v);
}
void read_value(const JsonObject& o, const char* key, SplitSelection& v) {
  v = parse_split_selection(o.text(key));
}
void read_value(const JsonObject& o, const char* key, DeviceChoice& v) {
  v = parse_device_choice(o.text(key));
}
void read_value(const JsonObject& o, const char* key, DataOnDevice& v) {
  v = parse_data_on_device(o.text(key));
}
void read_value(const JsonObject& o, const char* key, GanLoss& v) {
  v = parse_gan_loss(o.text(key));
}

// Keys added to format 2 after its first runs were written: absent, they keep their default.
bool added_later(std::string_view key) {
  for (const char* later :
       {"ema_decay", "classifier", "eval_every", "eval_count", "augment", "loss", "spectral_norm",
        "r1", "r1_every", "classes", "class_names", "holdout", "augment_p", "ada_target",
        "ada_speed", "lecam", "lecam_decay", "bcr", "width"}) {
    if (key == later) return true;
  }
  return false;
}

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
  // A run being trained is not "a run to --resume" nor "a directory not empty": say who has it.
  const std::string lock_file = (fs::path(dir) / ".qd_train.lock").string();
  if (fs::exists(lock_file)) lock_run_directory(dir);
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

RunLock lock_run_directory(const std::string& dir) {
  const std::string path = (fs::path(dir) / ".qd_train.lock").string();
  std::string holder;
  std::optional<RunLock> lock = RunLock::try_acquire(path, &holder);
  if (!lock) {
    throw RunDirectoryError(dir + " is being trained by another qd_train" +
                            (holder.empty() ? "" : " (pid " + holder + ")") +
                            ": one writer per run directory; wait for it to finish, or choose "
                            "another --out");
  }
  return std::move(*lock);
}

void write_run_config(const std::string& dir, const SavedRun& run,
                      const std::vector<DatasetSource>& sources) {
  const TrainOptions& options = run.options;
  JsonWriter j;
  j.begin_object().field("format_version", kRunFormatVersion).field("written_at", utc_now());
  j.key("versions").begin_object().field("qd", kVersion).field("libtorch", TORCH_VERSION);
  j.end_object().key("options").begin_object();
  visit_run_fields([&](const char* key, OnResume, const char*, const auto&,
                       const auto& v) { write_value(j.key(key), v); },
                   options);
  j.end_object().key("processes").begin_object().field("count", run.processes);
  j.field("batch_per_process", options.batch_size / run.processes);
  j.end_object().key("data").begin_object();
  j.field("images", run.images).field("side", run.image.side);
  j.field("channels", run.image.channels).field("ink", run.ink);
  j.field("categories", run.categories).key("sources").begin_array();
  for (const DatasetSource& s : sources) {
    j.begin_object().field("path", s.path).field("format", s.format);
    j.field("category", s.category);
    j.field("label", s.label).field("images", s.images).key("manifest");
    if (s.manifest_json.empty()) {
      j.null();
    } else {
      j.raw(s.manifest_json);
    }
    j.end_object();
  }
  j.end_array().end_object().end_object();
  write_file_atomically((fs::path(dir) / "config.json").string(), j.str());
}

void write_run_config(const std::string& dir, const TrainOptions& options, const Dataset& data,
                      int processes) {
  SavedRun run;
  run.options = options;
  run.categories = data.categories();
  run.image = data.shape();
  run.ink = data.ink();
  run.images = data.size();
  run.processes = processes;
  write_run_config(dir, run, data.sources());
}

SavedRun read_run_config(const std::string& dir) {
  const std::string path = (fs::path(dir) / "config.json").string();
  if (!fs::exists(path)) {
    throw RunDirectoryError(dir + " holds no run (no config.json)");
  }
  const JsonDocument doc(read_file(path), path);
  const JsonObject root = doc.root();
  const int64_t version = root.i64("format_version");
  if (version != kRunFormatVersion) {
    root.fail("format_version " + std::to_string(version) + " (this qd reads " +
              std::to_string(kRunFormatVersion) + ")");
  }
  SavedRun run;
  const JsonObject o = root.object("options");
  // A value the option parsers or check_options refuse is this file's fault: a StoreError naming
  // it, not a command-line error about an option nobody typed.
  try {
    visit_run_fields(
        [&](const char* key, OnResume, const char*, const auto&, auto& v) {
          if (!added_later(key) || o.has(key)) read_value(o, key, v);
        },
        run.options);
    check_options(run.options);
  } catch (const std::invalid_argument& e) {
    o.fail(std::string("options: ") + e.what());
  }
  run.options.out = dir;
  if (root.has("processes")) {
    const int64_t processes = root.object("processes").i64("count");
    if (processes < 1 || processes > 4096)
      root.fail("processes.count " + std::to_string(processes));
    run.processes = static_cast<int>(processes);
  }
  const JsonObject data = root.object("data");
  run.categories = data.strings("categories");
  run.image.side = data.i64("side");
  // Runs from before colour inputs were read are grey Quick, Draw! runs.
  run.image.channels = data.has("channels") ? data.i64("channels") : 1;
  run.ink = data.has("ink") ? data.boolean("ink") : true;
  run.images = data.u64("images");
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

std::string best_checkpoint_path(const std::string& dir) {
  return (fs::path(dir) / "checkpoints" / "best.pt").string();
}

std::string resolve_checkpoint(const std::string& dir, const std::string& which) {
  if (which == "best") {
    const std::string best = best_checkpoint_path(dir);
    if (!fs::exists(best)) {
      throw RunDirectoryError(dir +
                              " has no best checkpoint: it is kept by runs trained with "
                              "--classifier and --eval-every, once they have evaluated");
    }
    return best;
  }
  if (which.empty() || which == "latest") {
    const auto all = list_checkpoints(dir);
    if (all.empty()) throw std::runtime_error(dir + " has no checkpoint yet");
    return all.back();
  }
  if (!fs::exists(which)) {
    throw std::runtime_error("--checkpoint " + which + ": no such file (best, latest or a file)");
  }
  return which;
}

}  // namespace qd::train
