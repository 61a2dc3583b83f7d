#include "qd/exporter/run_export.h"

#include <stdexcept>

#include "qd/eval/sampler.h"
#include "qd/exporter/onnx_export.h"
#include "qd/exporter/web_page.h"
#include "qd/store/atomic_file.h"
#include "qd/store/json.h"
#include "qd/store/npy.h"
#include "qd/store/version.h"

namespace qd::train {

namespace {

// The page shows its first drawings as one grid.
constexpr int64_t kMaxPageCount = 256;

// config.json's versions.qd: the qd that trained the run ("" when the file does not say).
std::string run_version(const std::string& run) {
  const std::string path = run + "/config.json";
  try {
    const JsonDocument doc(read_file(path), path);
    const JsonObject root = doc.root();
    if (root.has("versions") && root.object("versions").has("qd")) {
      return root.object("versions").text("qd");
    }
  } catch (const StoreError&) {
  }
  return "";
}

// load_run, whose refusals of a run or checkpoint written by another qd name that qd.
LoadedRun load(const SampleRequest& request, const std::string& version) {
  try {
    return load_run(request);
  } catch (const std::runtime_error& e) {
    if (version.empty() || version == kVersion) throw;
    throw std::runtime_error(std::string(e.what()) + " (the run was trained by qd " + version +
                             ", this is qd " + kVersion +
                             ": export it with that version's qd_export)");
  }
}

void write_npy(const std::string& path, const char* descr, const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  NpyWriter npy(path, descr, std::vector<uint64_t>(c.sizes().begin() + 1, c.sizes().end()));
  npy.append(c.data_ptr(), static_cast<uint64_t>(c.size(0)));
  npy.commit();
}

// page.json: what the page needs to know of the model, and the noise of its first grid.
std::string page_json(const LoadedRun& loaded, const ModelConfig& model,
                      const ExportRequest& request, const torch::Tensor& noise) {
  JsonWriter j;
  j.begin_object().field("generator", "qd_export").field("qd_version", kVersion);
  j.field("arch", arch_name(model.arch)).field("latent_dim", model.latent_dim);
  j.field("side", model.image.side).field("channels", model.image.channels);
  j.field("ink", loaded.run.ink).field("conditional", model.conditional());
  j.field("categories", loaded.run.categories);
  j.key("first").begin_object().field("seed", request.sample.seed);
  j.field("category", request.sample.category).field("count", request.sample.count);
  j.field("truncation", request.sample.truncation);
  // float32 values, each written as the shortest double that reads back as it.
  const torch::Tensor z = noise.contiguous();
  const float* v = z.data_ptr<float>();
  j.key("z").begin_array();
  for (int64_t i = 0; i < z.numel(); ++i) j.value(static_cast<double>(v[i]));
  j.end_array().end_object().end_object();
  return j.str();
}

}  // namespace

std::vector<std::string> export_run(const ExportRequest& request, const std::atomic<bool>& stop) {
  if (!request.web.empty()) {
    if (request.sample.count > kMaxPageCount) {
      throw std::invalid_argument("--web shows --count drawings in one grid: at most " +
                                  std::to_string(kMaxPageCount));
    }
    check_ort_web(request.ort_web);
  }
  const std::string version = run_version(request.sample.run);
  const LoadedRun loaded = load(request.sample, version);
  GanTrainer& trainer = *loaded.trainer;
  const ModelConfig& model = trainer.model();
  const int64_t label = category_label(loaded, request.sample.category);
  if (!request.labels.empty() && !model.conditional()) {
    throw std::invalid_argument("--labels: " + request.sample.run +
                                " is not a conditional run: its generator takes no labels");
  }
  const bool averaged = trainer.averaged_generator() && !request.sample.last_weights;
  Network& generator = trainer.drawing_generator(request.sample.last_weights);

  std::vector<std::string> written;
  const auto check_stop = [&] {
    if (stop) throw std::runtime_error("interrupted");
  };
  const SampleInputs inputs = sample_inputs(model, request.sample.count, request.sample.seed, label,
                                            request.sample.truncation);
  if (!request.noise.empty()) {
    write_npy(request.noise, "<f4", inputs.noise);
    written.push_back(request.noise);
  }
  if (!request.labels.empty()) {
    write_npy(request.labels, "<i8", inputs.labels);
    written.push_back(request.labels);
  }
  if (request.onnx.empty() && request.web.empty()) return written;

  check_stop();
  OnnxModelInfo info;
  info.categories = loaded.run.categories;
  info.ink = loaded.run.ink;
  info.run_version = version;
  info.weights = loaded.checkpoint + (averaged ? ", averaged weights" : ", last weights");
  const std::string onnx = generator_onnx(generator, model, info);
  check_stop();
  if (!request.onnx.empty()) {
    write_file_atomically(request.onnx, onnx);
    written.push_back(request.onnx);
  }
  if (!request.web.empty()) {
    write_web_page(request.web, request.ort_web, onnx,
                   page_json(loaded, model, request, inputs.noise));
    written.push_back(request.web);
  }
  return written;
}

}  // namespace qd::train
