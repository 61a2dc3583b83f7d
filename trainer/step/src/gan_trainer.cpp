#include "qd/step/gan_trainer.h"

#include <ATen/Context.h>

#include <sstream>
#include <stdexcept>

#include "qd/model/spectral_norm.h"
#include "qd/model/standing_statistics.h"
#include "qd/step/autocast_scope.h"
#include "qd/step/gan_losses.h"
#include "qd/store/atomic_file.h"
#include "qd/store/store_error.h"
#include "qd/store/zip_archive.h"

namespace qd::train {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

// CUDA graph capture needs a few eager steps first (cuDNN's algorithm search, the gradients'
// first allocation), as PyTorch's documentation prescribes.
constexpr int64_t kGraphWarmupSteps = 3;

// Networks are built on the CPU from the seed, so a seed gives the same weights on any device.
Network seeded(Network (*make)(const ModelConfig&), const ModelConfig& model, uint64_t seed,
               torch::Device device, bool channels_last, bool spectral_norm = false) {
  torch::manual_seed(seed);
  Network n = make(model);
  if (spectral_norm) apply_spectral_norm(n);
  n->to(device);
  if (channels_last) {
    torch::NoGradGuard no_grad;
    for (auto& p : n->parameters()) {
      if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
    }
  }
  return n;
}

AdamSettings adam(double lr, const TrainSettings& s) {
  AdamSettings a;
  a.lr = lr;
  a.beta1 = s.beta1;
  a.beta2 = s.beta2;
  return a;
}

FastPath checked(FastPath fast, torch::Device device, const TrainSettings& settings,
                 const Collectives* collectives) {
  if (fast.cuda_graph && collectives != nullptr) {
    throw std::invalid_argument(
        "--cuda-graph is for one process: a data-parallel step exchanges "
        "gradients between its kernels");
  }
  if (fast.cuda_graph && !built_with_cuda()) make_step_graph();  // throws, saying why
  if (fast.cuda_graph && !device.is_cuda()) {
    throw std::invalid_argument("--cuda-graph needs --device cuda");
  }
  if (fast.cuda_graph && settings.r1 > 0 && settings.r1_every > 1) {
    throw std::invalid_argument("--cuda-graph replays one step: it needs --r1-every 1");
  }
  return fast;
}

}  // namespace

uint64_t step_seed(uint64_t seed, int64_t step, int rank) {
  const uint64_t single = splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(step));
  return rank == 0 ? single : splitmix64(single ^ splitmix64(static_cast<uint64_t>(rank)));
}

namespace {

std::vector<torch::Tensor> gradients(torch::nn::Module& module) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : module.parameters()) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  return grads;
}

// Batch norm's running statistics: each process's come from its share of the batch.
std::vector<torch::Tensor> running_statistics(torch::nn::Module& module) {
  std::vector<torch::Tensor> stats;
  for (const auto& b : module.named_buffers()) {
    const std::string& name = b.key();
    const auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (ends_with("running_mean") || ends_with("running_var")) stats.push_back(b.value());
  }
  return stats;
}

}  // namespace

torch::Tensor weights_fingerprint(GanTrainer& trainer) {
  std::vector<torch::Tensor> sums;
  for (Network* n :
       {&trainer.generator(), &trainer.discriminator(), &trainer.averaged_generator()}) {
    if (!*n) continue;
    for (const auto& p : (*n)->parameters()) sums.push_back(p.detach().to(torch::kDouble).sum());
    // The average's statistics are estimated from its weights when it draws, which only the
    // process that writes grids does.
    if (n == &trainer.averaged_generator()) continue;
    for (const auto& b : (*n)->buffers()) sums.push_back(b.detach().to(torch::kDouble).sum());
  }
  return torch::stack(sums).to(torch::kCPU);
}

GanTrainer::GanTrainer(const ModelConfig& model, const TrainSettings& settings,
                       torch::Device device, FastPath fast, Collectives* collectives)
    : model_(model),
      settings_(settings),
      augment_(parse_augment_policy(settings.augment)),
      background_(pixel_range(model.arch) == PixelRange::kSigned ? -1.0 : 0.0),
      device_(device),
      fast_(checked(fast, device, settings, collectives)),
      generator_(seeded(make_generator, model, settings.seed, device, fast.channels_last)),
      discriminator_(seeded(make_discriminator, model, splitmix64(settings.seed), device,
                            fast.channels_last, settings.spectral_norm)),
      opt_g_(generator_->parameters(), adam(settings.lr_g, settings)),
      opt_d_(discriminator_->parameters(), adam(settings.lr_d, settings)),
      metric_sums_(torch::zeros({4}, torch::TensorOptions().device(device))),
      collectives_(collectives),
      sigma_(torch::zeros({}, torch::TensorOptions().device(device))),
      ema_weight_(torch::zeros({}, torch::TensorOptions().device(device))),
      augment_p_setting_(parse_augment_probability(settings.augment_p)),
      lecam_ema_(torch::zeros({2}, torch::TensorOptions().device(device))) {
  const auto on_device = torch::TensorOptions().device(device);
  if (augment_p_setting_.adaptive) {
    augment_p_ = torch::zeros({}, on_device);  // ADA starts without augmentation
    ada_sums_ = torch::zeros({2}, on_device);
    ada_now_ = torch::zeros({}, on_device.dtype(torch::kBool));
  } else if (augment_p_setting_.fixed != 1.0) {
    augment_p_ = torch::full({}, augment_p_setting_.fixed, on_device);
  }
  if (settings.ema_decay > 0) {
    // The same seed: the average starts from the generator's own initial weights.
    generator_ema_ = seeded(make_generator, model, settings.seed, device, fast.channels_last);
    generator_ema_->eval();
    for (auto& p : generator_ema_->parameters()) p.set_requires_grad(false);
  }
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(fast_.cudnn_benchmark);
  if (fast_.cuda_graph) graph_ = make_step_graph();
}

torch::Tensor GanTrainer::to_pixels(const torch::Tensor& images) const {
  torch::Tensor x = images.to(device_, /*non_blocking=*/true).to(torch::kFloat);
  if (fast_.channels_last) x = x.contiguous(torch::MemoryFormat::ChannelsLast);
  if (pixel_range(model_.arch) == PixelRange::kUnit) return x.div(255.0);
  return x.mul(2.0 / 255.0).sub(1.0);
}

void GanTrainer::step(const torch::Tensor& images, const torch::Tensor& labels) {
  torch::manual_seed(
      step_seed(settings_.seed, step_, collectives_ ? collectives_->world().rank : 0));
  // Instance noise blurs both distributions early on, so D cannot win by their disjoint supports.
  const double progress = static_cast<double>(step_) /
                          static_cast<double>(std::max<int64_t>(settings_.instance_noise_steps, 1));
  sigma_.fill_(settings_.instance_noise * std::max(0.0, 1.0 - progress));
  if (generator_ema_) {
    // A short memory at first, as TensorFlow's ExponentialMovingAverage with num_updates, so
    // the average does not carry the random initial weights for thousands of steps.
    const auto t = static_cast<double>(step_);
    ema_weight_.fill_(1.0 - std::min(settings_.ema_decay, (1.0 + t) / (10.0 + t)));
    averaged_statistics_current_ = false;  // here, not in update_average: a CUDA graph replays it
  }
  if (ada_now_.defined()) ada_now_.fill_((step_ + 1) % kAdaInterval == 0);
  if (graph_) {
    graph_step(images, labels);
  } else {
    run_step(images, labels);
  }
  ++metric_steps_;
  ++step_;
}

void GanTrainer::graph_step(const torch::Tensor& images, const torch::Tensor& labels) {
  if (!graph_images_.defined()) {
    graph_images_ = torch::empty(images.sizes(), images.options().device(device_));
    graph_labels_ = torch::empty(labels.sizes(), labels.options().device(device_));
  }
  if (!images.sizes().equals(graph_images_.sizes())) {
    throw std::invalid_argument("a CUDA graph step needs batches of one size");
  }
  graph_images_.copy_(images, /*non_blocking=*/true);
  graph_labels_.copy_(labels, /*non_blocking=*/true);
  const auto body = [this] { run_step(graph_images_, graph_labels_); };
  if (graph_steps_ < kGraphWarmupSteps) {
    graph_->warmup(body);
  } else {
    if (!graph_->captured()) {
      graph_->capture(body);
      torch::manual_seed(step_seed(settings_.seed, step_));  // replay draws as this step would
    }
    graph_->replay();
  }
  ++graph_steps_;
}

namespace {

void set_requires_grad(torch::nn::Module& module, bool on) {
  for (auto& p : module.parameters()) p.set_requires_grad(on);
}

}  // namespace

torch::Tensor GanTrainer::augmented(const torch::Tensor& images) const {
  if (augment_p_.defined()) return augment(images, augment_, background_, augment_p_);
  return augment(images, augment_, background_);
}

torch::Tensor GanTrainer::augment_probability() const {
  if (augment_p_.defined()) return augment_p_;
  return torch::ones({}, torch::TensorOptions().device(device_));
}

void GanTrainer::run_step(const torch::Tensor& images, const torch::Tensor& labels_in) {
  generator_->train();
  discriminator_->train();
  const torch::Tensor real = to_pixels(images);
  const torch::Tensor labels = labels_in.to(device_, /*non_blocking=*/true);
  const int64_t b = real.size(0);
  const auto opts = real.options();
  const double real_target = 1.0 - settings_.label_smoothing;

  torch::Tensor fake_in;
  torch::Tensor logits_real;
  torch::Tensor logits_fake;
  torch::Tensor loss_d;
  torch::Tensor penalty;  // R1's, LeCam's and bCR's; not in the logged D loss
  const bool r1_now = settings_.r1 > 0 && step_ % settings_.r1_every == 0;
  {
    const AutocastScope autocast(fast_.bf16, device_);
    const torch::Tensor noise = torch::randn({b, model_.latent_dim}, opts);
    const torch::Tensor fake = generator_->forward(noise, labels);
    torch::Tensor real_in = real;
    fake_in = fake;
    if (settings_.instance_noise > 0) {
      real_in = real + sigma_ * torch::randn_like(real);
      fake_in = fake + sigma_ * torch::randn_like(fake);
    }
    // bCR's second augmentation is of the same images.
    const torch::Tensor real_plain = real_in;
    const torch::Tensor fake_plain = fake_in;
    // One augmentation of the fakes serves both steps: the generator learns through it.
    if (augment_.any()) {
      real_in = augmented(real_in);
      fake_in = augmented(fake_in);
    }
    if (r1_now) real_in = real_in.detach().requires_grad_(true);
    torch::Tensor real_targets = torch::full({b}, real_target, opts);
    torch::Tensor fake_targets = torch::zeros({b}, opts);
    if (settings_.label_noise > 0) {
      real_targets = torch::where(torch::rand({b}, opts) < settings_.label_noise,
                                  torch::zeros_like(real_targets), real_targets);
      fake_targets = torch::where(torch::rand({b}, opts) < settings_.label_noise,
                                  torch::full_like(fake_targets, real_target), fake_targets);
    }
    logits_real = discriminator_->forward(real_in, labels).view({-1}).to(torch::kFloat);
    logits_fake = discriminator_->forward(fake_in.detach(), labels).view({-1}).to(torch::kFloat);
    loss_d =
        discriminator_loss(settings_.loss, logits_real, logits_fake, real_targets, fake_targets);
    const auto add = [&penalty](const torch::Tensor& term) {
      penalty = penalty.defined() ? penalty + term : term;
    };
    if (r1_now) add(r1_penalty(logits_real, real_in, settings_.r1 * settings_.r1_every));
    if (settings_.lecam > 0) {
      // As the paper's code: the averages take this step's logits first, then anchor them.
      torch::Tensor means = mean_logits(logits_real, logits_fake);
      if (collectives_) collectives_->average({means});  // the same averages in every process
      update_lecam_averages(lecam_ema_, means, settings_.lecam_decay);
      add(lecam_penalty(logits_real, logits_fake, lecam_ema_, settings_.lecam));
    }
    if (settings_.bcr > 0) {
      const torch::Tensor real_b =
          discriminator_->forward(augmented(real_plain.detach()), labels).view({-1});
      const torch::Tensor fake_b =
          discriminator_->forward(augmented(fake_plain.detach()), labels).view({-1});
      add(consistency_penalty(logits_real, real_b.to(torch::kFloat), logits_fake,
                              fake_b.to(torch::kFloat), settings_.bcr));
    }
  }
  opt_d_.zero_grad();
  (penalty.defined() ? loss_d + penalty : loss_d).backward();
  if (collectives_) collectives_->average(gradients(*discriminator_));
  opt_d_.step();

  // The generator's step needs the discriminator's input gradients only: with its weights frozen
  // for that backward pass, autograd skips their gradients, which the next D step zeroes anyway.
  set_requires_grad(*discriminator_, false);
  torch::Tensor loss_g;
  {
    const AutocastScope autocast(fast_.bf16, device_);
    const torch::Tensor logits_g = discriminator_->forward(fake_in, labels).view({-1});
    loss_g = generator_loss(settings_.loss, logits_g.to(torch::kFloat));
  }
  opt_g_.zero_grad();
  loss_g.backward();
  set_requires_grad(*discriminator_, true);
  if (collectives_) collectives_->average(gradients(*generator_));
  opt_g_.step();
  if (collectives_) {
    std::vector<torch::Tensor> stats = running_statistics(*generator_);
    for (const auto& t : running_statistics(*discriminator_)) stats.push_back(t);
    collectives_->average(stats);
  }
  if (generator_ema_) update_average();

  torch::NoGradGuard no_grad;
  if (ada_now_.defined()) {
    // ADA's overfitting heuristic r_t: the share of the real images D calls real, as a mean sign.
    ada_sums_ += torch::stack({logits_real.detach().sign().sum(),
                               torch::full({}, static_cast<double>(b), ada_sums_.options())});
    if (collectives_ && (step_ + 1) % kAdaInterval == 0) {
      // Every process's images: the mean sign over all of them, and all of them counted.
      collectives_->average({ada_sums_});
      ada_sums_.select(0, 1).mul_(collectives_->world().size);
    }
    adapt_augment_probability(augment_p_, ada_sums_, ada_now_, settings_.ada_target,
                              static_cast<double>(settings_.ada_speed));
  }
  metric_sums_ +=
      torch::stack({loss_d.detach(), loss_g.detach(), torch::sigmoid(logits_real.detach()).mean(),
                    torch::sigmoid(logits_fake.detach()).mean()});
}

void GanTrainer::update_average() {
  torch::NoGradGuard no_grad;
  const auto params = generator_->parameters();
  const auto averaged = generator_ema_->parameters();
  for (size_t i = 0; i < params.size(); ++i) averaged[i].lerp_(params[i], ema_weight_);
}

Network& GanTrainer::drawing_generator(bool last_weights) {
  if (!generator_ema_ || last_weights) return generator_;
  // The trained generator's batch-norm statistics describe its own weights' activations, not
  // the average's: the average gets statistics of its own before it draws.
  if (!averaged_statistics_current_) {
    estimate_standing_statistics(generator_ema_, model_, device_);
    averaged_statistics_current_ = true;
  }
  return generator_ema_;
}

StepMetrics GanTrainer::take_metrics() {
  StepMetrics m;
  m.steps = metric_steps_;
  if (collectives_) collectives_->average({metric_sums_});  // every process's share of the batch
  if (metric_steps_ > 0) {
    const torch::Tensor means = (metric_sums_ / static_cast<double>(metric_steps_)).to(torch::kCPU);
    const auto* v = means.data_ptr<float>();
    m.loss_d = v[0];
    m.loss_g = v[1];
    m.d_real = v[2];
    m.d_fake = v[3];
  }
  m.augment_p = augment_probability().item<double>();
  metric_sums_.zero_();
  metric_steps_ = 0;
  return m;
}

torch::Tensor GanTrainer::sample(const torch::Tensor& noise, const torch::Tensor& labels,
                                 bool last_weights) {
  torch::NoGradGuard no_grad;
  Network& g = drawing_generator(last_weights);
  const bool was_training = g->is_training();
  g->eval();
  torch::Tensor x = g->forward(noise.to(device_), labels.defined() ? labels.to(device_) : labels);
  g->train(was_training);
  if (pixel_range(model_.arch) == PixelRange::kSigned) x = (x + 1.0) / 2.0;
  x = x.clamp(0.0, 1.0).mul(255.0).round().to(torch::kUInt8).to(torch::kCPU);
  if (x.size(1) == 1) return x.reshape({x.size(0), x.size(2), x.size(3)}).contiguous();
  return x.permute({0, 2, 3, 1}).contiguous();  // HWC, as Dataset and .npy keep colour images
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
  if (generator_ema_) {
    torch::serialize::OutputArchive e;
    generator_ema_->save(e);
    archive.write("generator_ema", e);
  }
  archive.write("step", torch::tensor(step_, torch::kLong));
  archive.write("seed", torch::tensor(static_cast<int64_t>(settings_.seed), torch::kLong));
  archive.write("image_shape", torch::tensor({model_.image.side, model_.image.channels}));
  // The regularisers' state; absent in older checkpoints, which read as the state at step 0.
  archive.write("augment_p", augment_probability());
  if (ada_sums_.defined()) archive.write("ada_sums", ada_sums_);
  archive.write("lecam_averages", lecam_ema_);
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomically(path, bytes.str());
}

void GanTrainer::load(const std::string& path) {
  try {
    // Every record's CRC-32 before a byte of it is believed: LibTorch reads flipped tensor bytes
    // without a word, and a flipped shape as some other network.
    verify_zip_archive(path);
    torch::serialize::InputArchive archive;
    archive.load_from(path, device_);
    // Before the weights, whose shapes would only say that some layer differs. Checkpoints from
    // before colour inputs hold no shape: they are 28x28 grey.
    torch::Tensor shape;
    const ImageShape saved = archive.try_read("image_shape", shape)
                                 ? ImageShape{shape[0].item<int64_t>(), shape[1].item<int64_t>()}
                                 : ImageShape{};
    if (saved != model_.image) {
      throw std::runtime_error("its networks draw " + to_string(saved) + " images, this run's " +
                               to_string(model_.image));
    }
    torch::serialize::InputArchive g, d, og, od;
    archive.read("generator", g);
    archive.read("discriminator", d);
    archive.read("optimizer_g", og);
    archive.read("optimizer_d", od);
    generator_->load(g);
    discriminator_->load(d);
    opt_g_.load(og);
    opt_d_.load(od);
    if (generator_ema_) {
      torch::serialize::InputArchive e;
      if (!archive.try_read("generator_ema", e)) {
        throw std::runtime_error("it holds no averaged generator (its run had no --ema-decay)");
      }
      generator_ema_->load(e);
      averaged_statistics_current_ = false;
    }
    torch::Tensor step, seed;
    archive.read("step", step);
    archive.read("seed", seed);
    if (seed.item<int64_t>() != static_cast<int64_t>(settings_.seed)) {
      throw std::runtime_error("it was written by a run with seed " +
                               std::to_string(seed.item<int64_t>()) + ", this one has " +
                               std::to_string(settings_.seed));
    }
    // Checked before any of them is copied in, as the step.
    torch::Tensor p, sums, lecam;
    const bool has_p = archive.try_read("augment_p", p);
    const bool has_sums = archive.try_read("ada_sums", sums);
    const bool has_lecam = archive.try_read("lecam_averages", lecam);
    if ((has_p && p.numel() != 1) || (has_sums && sums.numel() != 2) ||
        (has_lecam && lecam.numel() != 2)) {
      throw std::runtime_error("its augmentation or LeCam state has the wrong shape");
    }
    step_ = step.item<int64_t>();
    // copy_: a captured CUDA graph reads these tensors where they are.
    if (augment_p_setting_.adaptive) {
      augment_p_.fill_(0.0);
      ada_sums_.zero_();
      if (has_p) augment_p_.copy_(p.reshape({}));
      if (has_sums) ada_sums_.copy_(sums.reshape({2}));
    }
    lecam_ema_.zero_();
    if (has_lecam) lecam_ema_.copy_(lecam.reshape({2}));
  } catch (const CorruptFileError&) {
    throw;  // "<path> is corrupt (...)" says it all
  } catch (const StoreError& e) {
    // The store names the file first; said once, after "cannot load checkpoint".
    std::string why = e.what();
    if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);
    throw std::runtime_error(path + ": cannot load checkpoint: " + why);
  } catch (const c10::Error& e) {
    // LibTorch's message, without the C++ stack it carries after its first line.
    const std::string text = e.what_without_backtrace();
    throw std::runtime_error(path + ": cannot load checkpoint: " + text.substr(0, text.find('\n')));
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": cannot load checkpoint: " + e.what());
  }
  metric_sums_.zero_();
  metric_steps_ = 0;
}

}  // namespace qd::train
