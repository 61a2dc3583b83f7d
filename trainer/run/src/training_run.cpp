#include "qd/run/training_run.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>

#include "qd/data/dataset.h"
#include "qd/data/device_batches.h"
#include "qd/data/loader.h"
#include "qd/report/metrics_log.h"
#include "qd/report/reports.h"
#include "qd/run/quality_tracker.h"
#include "qd/run/run_directory.h"
#include "qd/run/run_report.h"
#include "qd/run/training_report.h"
#include "qd/step/cuda_support.h"
#include "qd/step/distributed.h"
#include "qd/step/gan_trainer.h"
#include "qd/store/run_lock.h"
#include "qd/store/store_error.h"

namespace qd::train {

namespace fs = std::filesystem;

namespace {

ModelConfig model_config(const TrainOptions& o, const Dataset& data) {
  try {
    return qd::train::model_config(o, static_cast<int64_t>(data.categories().size()), data.shape());
  } catch (const std::invalid_argument& e) {
    throw DatasetError(e.what());
  }
}

// samples/real.png: 64 images spread evenly over the data (which holds its categories one after
// another), or the first 8 of each category.
void write_real_grid(const std::string& path, const Dataset& data, bool conditional) {
  std::vector<size_t> picked;
  if (conditional) {
    for (int label = 0; label < static_cast<int>(data.categories().size()); ++label) {
      size_t taken = 0;
      for (size_t i = 0; i < data.size() && taken < kGridColumns; ++i) {
        if (data.label(i) == label) {
          picked.push_back(i);
          ++taken;
        }
      }
    }
  } else {
    const size_t wanted = std::min(data.size(), static_cast<size_t>(kGridColumns) * kGridColumns);
    for (size_t i = 0; i < wanted; ++i) picked.push_back(i * data.size() / wanted);
  }
  std::vector<uint8_t> pixels;
  for (const size_t i : picked) {
    pixels.insert(pixels.end(), data.image(i), data.image(i) + data.image_bytes());
  }
  write_sample_grid(path, pixels.data(), picked.size(), {data.shape(), data.ink()}, kGridColumns);
}

// The whole dataset on the device when asked, or (auto) when it is a GPU with room to spare.
std::unique_ptr<BatchSource> batch_source(const TrainOptions& o, const Dataset& data,
                                          torch::Device device) {
  bool resident = o.data_on_device == DataOnDevice::kOn;
  if (o.data_on_device == DataOnDevice::kAuto) {
    resident =
        device.is_cuda() && DeviceBatches::device_bytes(data) <= cuda_free_memory_bytes() / 4;
  }
  if (resident) return std::make_unique<DeviceBatches>(data, o.batch_size, o.step.seed, device);
  LoaderOptions loader_options;
  loader_options.batch_size = o.batch_size;
  loader_options.seed = o.step.seed;
  loader_options.workers = o.workers;
  loader_options.pin_memory = device.is_cuda();
  return std::make_unique<PrefetchLoader>(data, loader_options);
}

// Images per category, in label order.
std::vector<std::pair<std::string, uint64_t>> images_per_category(const Dataset& data) {
  std::vector<std::pair<std::string, uint64_t>> counts;
  for (const auto& name : data.categories()) counts.emplace_back(name, 0);
  for (const DatasetSource& s : data.sources())
    counts[static_cast<size_t>(s.label)].second += s.images;
  return counts;
}

// "cat, dog", for messages.
std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text.empty() ? "none" : text;
}

// --resume: loads the newest of `checkpoints` (oldest first) that verifies. Corrupt newer ones are
// passed over and, when `tell`, named on stderr with the one resumed from instead; when none
// verifies, throws the newest one's CorruptFileError. Every process of a data-parallel run reads
// the same files and so picks the same one.
void resume_from_newest_sound(GanTrainer& trainer, const std::vector<std::string>& checkpoints,
                              bool tell) {
  std::string passed_over;
  std::string newest_error;
  for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
    try {
      trainer.load(*it);
    } catch (const CorruptFileError& e) {
      if (newest_error.empty()) newest_error = e.what();
      passed_over += std::string(e.what()) + "; ";
      continue;
    }
    if (!passed_over.empty() && tell) {
      std::cerr << "qd_train: " << passed_over << "resuming from "
                << fs::path(*it).filename().string() << " instead\n"
                << std::flush;
    }
    return;
  }
  throw CorruptFileError(newest_error +
                         (checkpoints.size() > 1
                              ? "; no older checkpoint verifies either (" +
                                    std::to_string(checkpoints.size() - 1) + " checked)"
                              : ""));
}

}  // namespace

RunOutcome run_training(const TrainOptions& o, const SavedRun* saved, const std::atomic<bool>& stop,
                        std::ostream& log, bool interactive) {
  const WorldInfo world = world_from_environment();
  // Process 0 alone writes the run directory; the others train beside it and write nothing.
  const bool writer = world.rank == 0;
  torch::Device device = choose_device(o.device);
  if (device.is_cuda() && world.distributed())
    device = torch::Device(torch::kCUDA, world.local_rank);
  // Explicitly: LibTorch's own default here is one thread, whatever the cores. The processes of
  // a data-parallel run on one machine share its cores.
  const int threads = o.threads > 0 ? o.threads : std::max(1, usable_cores() / world.local_size);
  torch::set_num_threads(threads);

  const Dataset data = Dataset::open(o.shards, dataset_options(o));
  if (saved && saved->categories != data.categories()) {
    throw DatasetError("the data's categories are " + joined(data.categories()) + " but " + o.out +
                       "/config.json names " + joined(saved->categories) +
                       "; resume with the same --shards");
  }
  if (saved && saved->images != data.size()) {
    throw DatasetError("the data has changed since the run began: " + std::to_string(data.size()) +
                       " images now, " + std::to_string(saved->images) +
                       " in config.json; resume with the same --shards");
  }
  if (saved && saved->image != data.shape()) {
    throw DatasetError("the data is " + to_string(data.shape()) + " but the run in " + o.out +
                       " was trained on " + to_string(saved->image) +
                       " images; resume with the same --shards");
  }
  const ModelConfig model = model_config(o, data);
  if (data.size() < static_cast<size_t>(o.batch_size)) {
    throw DatasetError("the data has " + std::to_string(data.size()) +
                       " images, fewer than one batch of --batch-size " +
                       std::to_string(o.batch_size));
  }
  if (o.batch_size % world.size != 0) {
    throw std::invalid_argument("--batch-size " + std::to_string(o.batch_size) +
                                " is not a multiple of the " + std::to_string(world.size) +
                                " processes of the run: each takes an equal share of a batch");
  }
  std::optional<QualityTracker> quality;
  if (!o.classifier.empty() && writer) quality.emplace(o, data);
  std::unique_ptr<Collectives> collectives;
  if (world.distributed()) collectives = std::make_unique<Collectives>(world);
  GanTrainer trainer(model, o.step, device, o.fast, collectives.get());
  std::optional<RunLock> lock;
  if (writer) {
    if (!o.resume) create_run_directory(o.out);  // only once data and options are known good
    lock.emplace(lock_run_directory(o.out));
  }
  // Every process loads the same checkpoint: the run directory is on a shared file system.
  const auto checkpoints = list_checkpoints(o.out);
  if (o.resume && !checkpoints.empty()) resume_from_newest_sound(trainer, checkpoints, writer);
  if (writer) write_run_config(o.out, o, data, world.size);

  const std::unique_ptr<BatchSource> batches = batch_source(o, data, device);
  BatchSource& loader = *batches;
  const int64_t per_epoch = loader.batches_per_epoch();
  const int64_t total_steps = o.epochs * per_epoch;
  const std::string real_grid = (fs::path(o.out) / "samples" / "real.png").string();
  if (writer && !fs::exists(real_grid)) write_real_grid(real_grid, data, model.conditional());
  const GridInputs grid = grid_inputs(model, o.step.seed, data.ink());

  std::optional<TrainingReport> reporter;
  if (writer)
    reporter.emplace(o.out, o.epochs, trainer.steps_done(), total_steps, log, interactive);
  const auto say = [&](const std::string& line) {
    if (reporter) reporter->say(line);
  };
  say(o.out + ": " + std::to_string(data.size()) + " images in " +
      std::to_string(data.categories().size()) +
      (data.categories().size() == 1 ? " category, " : " categories, ") + o.arch + " on " +
      (device.is_cuda() ? std::string("cuda")
                        : "cpu with " + std::to_string(threads) + " threads") +
      (world.distributed() ? " in each of " + std::to_string(world.size) + " processes" : "") +
      ", batch " + std::to_string(o.batch_size) + ", " + std::to_string(total_steps) + " steps");
  if (trainer.steps_done() > 0) {
    say("resuming " + o.out + " at step " + std::to_string(trainer.steps_done()) + " of " +
        std::to_string(total_steps));
  } else if (o.resume) {
    say("resuming " + o.out +
        ": it has no checkpoint yet (stopped before its first), so training starts again from "
        "step 0");
  }
  for (const auto& [category, images] : images_per_category(data)) {
    if (images < static_cast<uint64_t>(o.batch_size)) {
      // On stderr, where a script or cron looks for what went wrong.
      if (writer) {
        std::cerr << "qd_train: warning: category " << category << " has " << images
                  << " images, fewer than one batch of " << o.batch_size << "\n";
      }
    }
  }
  int64_t last_checkpoint = trainer.steps_done();
  const auto checkpoint = [&] {
    if (writer) {
      trainer.save(checkpoint_path(o.out, trainer.steps_done()));
      prune_checkpoints(o.out, o.keep_checkpoints);
    }
    last_checkpoint = trainer.steps_done();
  };
  // After the epoch's checkpoint, which best.pt may link to.
  const auto evaluate = [&](int64_t epoch) {
    const QualityRow row = quality->evaluate(trainer, epoch);
    char line[200];
    std::snprintf(line, sizeof line,
                  "epoch %lld: FID %.2f (floor %.2f), KID x1000 %.2f, top-1 %.1f%% (real %.1f%%), ",
                  static_cast<long long>(row.epoch), row.fid, row.fid_floor, row.kid * 1000,
                  row.top1 * 100, row.top1_real * 100);
    std::string text = line;
    if (row.memorisation) {
      std::snprintf(line, sizeof line, "memorisation ratio %.2f, copies %.1f%% (held-out %.1f%%), ",
                    row.memorisation->ratio, row.memorisation->copies * 100,
                    row.memorisation->copies_held_out * 100);
      text += line;
    }
    std::snprintf(line, sizeof line, "evaluated in %.1f s", row.eval_seconds);
    say(text + line);
  };
  if (quality) {
    quality->open(o.out, trainer.steps_done());
    if (!quality->memorisation_skipped().empty())
      say("evaluations do not check memorisation: " + quality->memorisation_skipped());
    // A kill between an epoch's checkpoint and its evaluation: evaluate it now.
    const int64_t step = trainer.steps_done();
    if (step > 0 && step % per_epoch == 0 && quality->due(step / per_epoch - 1, o.epochs) &&
        !quality->evaluated(step)) {
      evaluate(step / per_epoch - 1);
    }
  }
  if (writer) write_run_report(o.out);

  const int64_t share = o.batch_size / world.size;
  while (trainer.steps_done() < total_steps) {
    const int64_t epoch = trainer.steps_done() / per_epoch;
    loader.start_epoch(epoch, trainer.steps_done() % per_epoch);
    while (std::optional<Batch> batch = loader.next()) {
      // Every process reads the same batch (same seed, same order) and trains on its share.
      trainer.step(batch->images.narrow(0, world.rank * share, share),
                   batch->labels.narrow(0, world.rank * share, share));
      const int64_t step = trainer.steps_done();
      // All processes stop at the same step, or the others would wait for it forever.
      const bool stopping = collectives ? collectives->any(stop.load()) : stop.load();
      const bool checkpoint_due = step % o.checkpoint_every == 0 || step == total_steps;
      const bool epoch_end = batch->index + 1 == per_epoch;
      if (step % o.log_every == 0 || checkpoint_due || epoch_end || stopping) {
        // A row ends wherever a checkpoint is taken, so a resumed run writes the same rows.
        if (reporter) {
          reporter->record(trainer, epoch, o.batch_size, loader.wait_seconds());
        } else {
          trainer.take_metrics();  // every process takes part in the exchange
        }
      }
      const bool evaluation_due = quality && epoch_end && quality->due(epoch, o.epochs);
      if (epoch_end && reporter) reporter->end_epoch(trainer, epoch, grid);
      if (checkpoint_due || evaluation_due) checkpoint();
      if (evaluation_due) evaluate(epoch);
      if (epoch_end && writer) write_run_report(o.out);
      if (stopping) {
        if (last_checkpoint != step) checkpoint();
        say("interrupted: checkpoint at step " + std::to_string(step) +
            " written; continue with --resume");
        return RunOutcome::kInterrupted;
      }
    }
  }
  if (last_checkpoint != trainer.steps_done()) checkpoint();
  if (collectives) {
    if (!collectives->same_everywhere(weights_fingerprint(trainer))) {
      throw std::runtime_error("the processes' weights differ after training");
    }
    say("weights identical in all " + std::to_string(world.size) + " processes");
  }
  std::string evaluation;
  if (quality) {
    char text[120];
    std::snprintf(text, sizeof text, "; %.0f s of this session's %.0f s evaluating (%.1f%%)",
                  quality->seconds(), reporter->session_seconds(),
                  100 * quality->seconds() / std::max(reporter->session_seconds(), 1e-9));
    evaluation = text;
    if (quality->memorisation_skipped().empty()) {
      std::snprintf(text, sizeof text, ", %.2f s of it checking memorisation (set up in %.1f s)",
                    quality->memorisation_seconds(), quality->memorisation_setup_seconds());
      evaluation += text;
    }
  }
  say("done: " + std::to_string(trainer.steps_done()) + " steps, " + o.out + evaluation);
  return RunOutcome::kCompleted;
}

}  // namespace qd::train
