// Every preset's generator (resnet's conditional batch norm and upsampling too), grey and colour,
// conditional or not, exported to ONNX: accepted by onnx's own checker, and run by ONNX Runtime
// (Web, wasm, under Node) to the images GanTrainer::sample gives for the same noise, within one
// grey level.
#include "qd/exporter/onnx_export.h"

#include "onnx_support.h"
#include "qd/step/gan_trainer.h"
#include "qd/store/atomic_file.h"
#include "torch_doctest.h"

using namespace qd::train;
namespace fs = qd::test::fs;
namespace onnx_test = qd::test::onnx;

namespace {

// Weights that draw in the whole range of grey levels, as a trained generator does, not the near
// mid-grey of DCGAN's initial weights: dense and convolution weights x4, and batch norm's running
// statistics those of a batch of other noise (one training-mode pass with momentum 1), so that a
// graph using no statistics, or the wrong ones, would draw something else.
void make_vivid(Network& g, const ModelConfig& model) {
  {
    torch::NoGradGuard no_grad;
    for (auto& m : g->modules(/*include_self=*/false)) {
      if (m->as<torch::nn::BatchNorm2d>() != nullptr ||
          m->as<torch::nn::BatchNorm1d>() != nullptr) {
        continue;
      }
      for (auto& p : m->named_parameters(/*recurse=*/false)) {
        // Conditional batch norm's tables start at 0: every category would draw alike.
        if (m->as<torch::nn::Embedding>() != nullptr) {
          p.value().normal_(0.0, 0.5);
        } else if (p.key() == "weight") {
          p.value().mul_(4.0);
        }
      }
    }
  }
  for (auto& m : g->modules(/*include_self=*/false)) {
    if (auto* bn = m->as<torch::nn::BatchNorm2d>()) bn->options.momentum(1.0);
    if (auto* bn = m->as<torch::nn::BatchNorm1d>()) bn->options.momentum(1.0);
  }
  torch::NoGradGuard no_grad;
  g->train();
  const torch::Tensor labels = model.conditional()
                                   ? torch::arange(64, torch::kLong).remainder(model.classes)
                                   : torch::Tensor();
  g->forward(torch::randn({64, model.latent_dim}), labels);
}

void write_uint8_npy(const fs::path& path, const torch::Tensor& images) {
  const torch::Tensor c = images.contiguous();
  qd::NpyWriter npy(path.string(), "|u1",
                    std::vector<uint64_t>(c.sizes().begin() + 1, c.sizes().end()));
  npy.append(c.data_ptr<uint8_t>(), static_cast<uint64_t>(c.size(0)));
  npy.commit();
}

void write_npy(const fs::path& path, const char* descr, const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous();
  qd::NpyWriter npy(path.string(), descr,
                    std::vector<uint64_t>(c.sizes().begin() + 1, c.sizes().end()));
  npy.append(c.data_ptr(), static_cast<uint64_t>(c.size(0)));
  npy.commit();
}

std::string shape_text(const ImageShape& image) {
  return image.channels == 1
             ? "UINT8[N, " + std::to_string(image.side) + ", " + std::to_string(image.side) + "]"
             : "UINT8[N, " + std::to_string(image.side) + ", " + std::to_string(image.side) + ", " +
                   std::to_string(image.channels) + "]";
}

}  // namespace

TEST_CASE(
    "every preset's generator, grey and colour, conditional or not, as ONNX draws what "
    "GanTrainer::sample draws") {
  const auto package = onnx_test::ort_web_package();
  if (!package) MESSAGE(onnx_test::kNoOrtWeb);
  qd::test::ScratchDir dir("onnx_export");
  for (const Arch arch :
       {Arch::kKerasDcgan, Arch::kTfDcgan, Arch::kSmall, Arch::kSuperdeep, Arch::kResnet}) {
    for (const ImageShape image : {ImageShape{28, 1}, ImageShape{32, 3}}) {
      for (const int64_t classes : {int64_t{0}, int64_t{3}}) {
        const std::string name =
            arch_name(arch) + "-" + std::to_string(image.side) + "-" + std::to_string(classes);
        CAPTURE(name);
        torch::manual_seed(11);
        ModelConfig model;
        model.arch = arch;
        model.latent_dim = 20;
        model.classes = classes;
        model.image = image;
        GanTrainer trainer(model, TrainSettings{}, torch::kCPU);
        make_vivid(trainer.generator(), model);
        const torch::Tensor z = torch::randn({10, model.latent_dim});
        const torch::Tensor labels =
            classes > 0 ? torch::arange(10, torch::kLong).remainder(classes) : torch::Tensor();
        const torch::Tensor expected = trainer.sample(z, labels);

        OnnxModelInfo info;
        for (int64_t c = 0; c < std::max<int64_t>(classes, 1); ++c) {
          info.categories.push_back("class " + std::to_string(c));
        }
        info.weights = "test";
        const fs::path file = dir / (name + ".onnx");
        qd::write_file_atomically(file.string(), generator_onnx(trainer.generator(), model, info));

        const auto checked = onnx_test::check_model(file);
        if (checked.exit_code == 3) {
          MESSAGE(onnx_test::kNoPythonOnnx);
        } else {
          REQUIRE_MESSAGE(checked.exit_code == 0, checked.output);
          CHECK(checked.output.find("opset 17\n") != std::string::npos);
          CHECK(checked.output.find("input z FLOAT[N, 20]\n") != std::string::npos);
          CHECK((checked.output.find("input label INT64[N]\n") != std::string::npos) ==
                (classes > 0));
          CHECK(checked.output.find("output images " + shape_text(image) + "\n") !=
                std::string::npos);
          CHECK(checked.output.find("meta arch=" + arch_name(arch) + "\n") != std::string::npos);
        }
        if (!package) continue;
        write_npy(dir / "z.npy", "<f4", z);
        if (classes > 0) write_npy(dir / "labels.npy", "<i8", labels);
        write_uint8_npy(dir / "expected.npy", expected);
        const auto ran =
            onnx_test::run_model(*package, file, dir / "z.npy",
                                 classes > 0 ? dir / "labels.npy" : fs::path(), dir / "onnx.npy");
        REQUIRE_MESSAGE(ran.exit_code == 0, ran.output);
        const int difference = onnx_test::max_difference(dir / "expected.npy", dir / "onnx.npy");
        MESSAGE(name << ": largest difference " << difference << " grey levels; grey levels used: "
                     << expected.min().item<int>() << ".." << expected.max().item<int>());
        CHECK(difference >= 0);
        CHECK(difference <= 1);
      }
    }
  }
}

TEST_CASE("a layer ONNX has no form for here is refused, naming it") {
  torch::nn::Sequential body(
      torch::nn::Linear(4, 16), torch::nn::Unflatten(torch::nn::UnflattenOptions(1, {1, 4, 4})),
      torch::nn::Upsample(torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2, 2})));
  Network g(body, 0);
  ModelConfig model;
  model.latent_dim = 4;
  model.image = {8, 1};
  try {
    generator_onnx(g, model, OnnxModelInfo{});
    FAIL("no error");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK_MESSAGE(what.find("layer 2 of the generator") != std::string::npos, what);
    CHECK_MESSAGE(what.find("Upsample") != std::string::npos, what);
    CHECK_MESSAGE(what.find("has no ONNX form") != std::string::npos, what);
  }
}
