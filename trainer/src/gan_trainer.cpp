#include "qd/trainer/gan_trainer.h"

#include <sstream>
#include <stdexcept>

#include "qd/pipeline/atomic_file.h"

namespace qd::train {

namespace F = torch::nn::functional;

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

// Networks are built on the CPU from the seed, so a seed gives the same weights on any device.
Network seeded(Network (*make)(const ModelConfig&), const ModelConfig& model, uint64_t seed,
               torch::Device device) {
  torch::manual_seed(seed);
  Network n = make(model);
  n->to(device);
  return n;
}

torch::optim::AdamOptions adam(double lr, const TrainSettings& s) {
  return torch::optim::AdamOptions(lr).betas({s.beta1, s.beta2});
}

torch::Tensor bce(const torch::Tensor& logits, const torch::Tensor& targets) {
  return F::binary_cross_entropy_with_logits(logits, targets);
}

}  // namespace

uint64_t step_seed(uint64_t seed, int64_t step) {
  return splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(step));
}

GanTrainer::GanTrainer(const ModelConfig& model, const TrainSettings& settings,
                       torch::Device device)
    : model_(model),
      settings_(settings),
      device_(device),
      generator_(seeded(make_generator, model, settings.seed, device)),
      discriminator_(seeded(make_discriminator, model, splitmix64(settings.seed), device)),
      opt_g_(generator_->parameters(), adam(settings.lr_g, settings)),
      opt_d_(discriminator_->parameters(), adam(settings.lr_d, settings)),
      metric_sums_(torch::zeros({4}, torch::TensorOptions().device(device))) {}

torch::Tensor GanTrainer::to_pixels(const torch::Tensor& images) const {
  const torch::Tensor x = images.to(device_, /*non_blocking=*/true).to(torch::kFloat);
  if (pixel_range(model_.arch) == PixelRange::kUnit) return x.div(255.0);
  return x.mul(2.0 / 255.0).sub(1.0);
}

void GanTrainer::step(const torch::Tensor& images, const torch::Tensor& labels_in) {
  torch::manual_seed(step_seed(settings_.seed, step_));
  generator_->train();
  discriminator_->train();
  const torch::Tensor real = to_pixels(images);
  const torch::Tensor labels = labels_in.to(device_, /*non_blocking=*/true);
  const int64_t b = real.size(0);
  const auto opts = real.options();

  const torch::Tensor noise = torch::randn({b, model_.latent_dim}, opts);
  const torch::Tensor fake = generator_->forward(noise, labels);

  // Instance noise blurs both distributions early on, so D cannot win by their disjoint supports.
  const double progress =
      static_cast<double>(step_) / std::max<int64_t>(settings_.instance_noise_steps, 1);
  const double sigma = settings_.instance_noise * std::max(0.0, 1.0 - progress);
  torch::Tensor real_in = real;
  torch::Tensor fake_in = fake;
  if (sigma > 0) {
    real_in = real + sigma * torch::randn_like(real);
    fake_in = fake + sigma * torch::randn_like(fake);
  }

  const double real_target = 1.0 - settings_.label_smoothing;
  torch::Tensor real_targets = torch::full({b}, real_target, opts);
  torch::Tensor fake_targets = torch::zeros({b}, opts);
  if (settings_.label_noise > 0) {
    real_targets = torch::where(torch::rand({b}, opts) < settings_.label_noise,
                                torch::zeros_like(real_targets), real_targets);
    fake_targets = torch::where(torch::rand({b}, opts) < settings_.label_noise,
                                torch::full_like(fake_targets, real_target), fake_targets);
  }

  opt_d_.zero_grad();
  const torch::Tensor logits_real = discriminator_->forward(real_in, labels).view({-1});
  const torch::Tensor logits_fake = discriminator_->forward(fake_in.detach(), labels).view({-1});
  const torch::Tensor loss_d = bce(logits_real, real_targets) + bce(logits_fake, fake_targets);
  loss_d.backward();
  opt_d_.step();

  opt_g_.zero_grad();
  const torch::Tensor logits_g = discriminator_->forward(fake_in, labels).view({-1});
  const torch::Tensor loss_g = bce(logits_g, torch::ones({b}, opts));
  loss_g.backward();
  opt_g_.step();

  {
    torch::NoGradGuard no_grad;
    metric_sums_ +=
        torch::stack({loss_d.detach(), loss_g.detach(), torch::sigmoid(logits_real.detach()).mean(),
                      torch::sigmoid(logits_fake.detach()).mean()});
  }
  ++metric_steps_;
  ++step_;
}

StepMetrics GanTrainer::take_metrics() {
  StepMetrics m;
  m.steps = metric_steps_;
  if (metric_steps_ > 0) {
    const torch::Tensor means = (metric_sums_ / static_cast<double>(metric_steps_)).to(torch::kCPU);
    const auto* v = means.data_ptr<float>();
    m.loss_d = v[0];
    m.loss_g = v[1];
    m.d_real = v[2];
    m.d_fake = v[3];
  }
  metric_sums_.zero_();
  metric_steps_ = 0;
  return m;
}

torch::Tensor GanTrainer::sample(const torch::Tensor& noise, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  const bool was_training = generator_->is_training();
  generator_->eval();
  torch::Tensor x =
      generator_->forward(noise.to(device_), labels.defined() ? labels.to(device_) : labels);
  generator_->train(was_training);
  if (pixel_range(model_.arch) == PixelRange::kSigned) x = (x + 1.0) / 2.0;
  x = x.clamp(0.0, 1.0).mul(255.0).round().to(torch::kUInt8).to(torch::kCPU);
  return x.reshape({x.size(0), x.size(2), x.size(3)}).contiguous();
}

void GanTrainer::save(const std::string& path) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive g, d, og, od;
  generator_->save(g);
  discriminator_->save(d);
  opt_g_.save(og);
  opt_d_.save(od);
  archive.write("generator", g);
  archive.write("discriminator", d);
  archive.write("optimizer_g", og);
  archive.write("optimizer_d", od);
  archive.write("step", torch::tensor(step_, torch::kLong));
  archive.write("seed", torch::tensor(static_cast<int64_t>(settings_.seed), torch::kLong));
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(path, bytes.str());
}

void GanTrainer::load(const std::string& path) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device_);
    torch::serialize::InputArchive g, d, og, od;
    archive.read("generator", g);
    archive.read("discriminator", d);
    archive.read("optimizer_g", og);
    archive.read("optimizer_d", od);
    generator_->load(g);
    discriminator_->load(d);
    opt_g_.load(og);
    opt_d_.load(od);
    torch::Tensor step, seed;
    archive.read("step", step);
    archive.read("seed", seed);
    if (seed.item<int64_t>() != static_cast<int64_t>(settings_.seed)) {
      throw std::runtime_error("it was written by a run with seed " +
                               std::to_string(seed.item<int64_t>()) + ", this one has " +
                               std::to_string(settings_.seed));
    }
    step_ = step.item<int64_t>();
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": cannot load checkpoint: " + e.what());
  }
  metric_sums_.zero_();
  metric_steps_ = 0;
}

}  // namespace qd::train
