#pragma once
// What the end-to-end tests of qd_train, qd_sample and qd_score share: the commands, small data
// made from ../shared/quickdraw, child processes, and comparisons of runs.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "qd/run/run_directory.h"
#include "qd/step/gan_trainer.h"
#include "qd/store/manifest.h"
#include "qd/store/npy.h"
#include "qd/store/shard_set.h"
#include "test_support.h"
#include "torch_doctest.h"

namespace qd::test::train_e2e {

using qd::test::run_command;
using qd::test::fs::path;
namespace fs = qd::test::fs;

inline std::string quoted(const path& p) {
  return "'" + p.string() + "'";
}

inline std::string qd_train(const std::string& args) {
  return std::string(QD_TRAIN_EXE) + " " + args + " 2>&1";
}
inline std::string qd_sample(const std::string& args) {
  return std::string(QD_SAMPLE_EXE) + " " + args + " 2>&1";
}
inline std::string qd_score(const std::string& args) {
  return std::string(QD_SCORE_EXE) + " " + args + " 2>&1";
}

// Small and quick: the `small` preset, batches of 32, one CPU thread each for torch and loader.
inline const std::string kQuick =
    " --arch small --batch-size 32 --threads 1 --workers 1 --log-every 2 ";

// The first `rows` images of Google's numpy_bitmap/<category>.npy as a [rows, 784] file.
inline void copy_bitmaps(const path& shared, const std::string& category, uint64_t rows,
                         const path& out) {
  const qd::MappedNpy in((shared / "numpy_bitmap" / (category + ".npy")).string());
  REQUIRE(in.rows() >= rows);
  qd::NpyWriter writer(out.string(), "|u1", {784});
  writer.append(in.data(), rows);
  writer.commit();
}

// A category directory as qd_prepare writes it: shards, keys and manifest.json.
inline void make_shard_dir(const path& shared, const std::string& category, uint64_t rows,
                           const path& dir) {
  fs::create_directories(dir);
  const qd::MappedNpy in((shared / "numpy_bitmap" / (category + ".npy")).string());
  qd::ShardSetWriter writer(dir.string(), 28, 100);
  for (uint64_t i = 0; i < rows; ++i) writer.append(qd::Split::kTrain, in.row(i), 1000 + i);
  qd::Manifest m;
  m.category = category;
  m.generator = "qd trainer_e2e_tests";
  m.created_at = "2026-01-01T00:00:00Z";
  m.source.location = (shared / "numpy_bitmap" / (category + ".npy")).string();
  m.shards = writer.finish();
  m.counts.read = m.counts.kept = m.counts.train = rows;
  qd::write_file_atomically((dir / "manifest.json").string(), qd::to_json(m));
}

inline std::string numpy_says(const path& npy, const std::string& expression) {
  const auto r = run_command(std::string(QD_PYTHON) + " -c \"import numpy as np; a = np.load('" +
                             npy.string() + "'); print(" + expression + ")\"");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return r.output.substr(0, r.output.find_last_not_of('\n') + 1);
}

inline bool is_png(const path& p) {
  return fs::exists(p) && qd::test::read_file(p).substr(1, 3) == "PNG";
}

// A child process running `command_line` (exec'd by sh, so the pid is the program's).
inline pid_t start(const std::string& command_line) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string exec = "exec " + command_line;
    ::execl("/bin/sh", "sh", "-c", exec.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits (at most a minute) until the run has written a checkpoint.
inline bool wait_for_checkpoint(const std::string& run) {
  for (int i = 0; i < 600; ++i) {
    if (!qd::train::list_checkpoints(run).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

inline int64_t step_of(const std::string& checkpoint) {
  return std::stoll(path(checkpoint).stem().string().substr(5));
}

// `common` (a qd_train command line ending in --out) trained for 2 epochs into dir/straight, and
// for 1 epoch, then resumed up to 2, into dir/halves: what the resume-equality tests compare.
inline void train_straight_and_resumed(const std::string& common, const path& dir) {
  for (const std::string& rest :
       {quoted(dir / "straight") + " --epochs 2", quoted(dir / "halves") + " --epochs 1",
        quoted(dir / "halves") + " --epochs 2 --resume"}) {
    const auto r = run_command(qd_train(common + rest));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  }
}

// The weights a checkpoint file of a run holds, in a trainer of the run's configuration.
inline qd::train::GanTrainer state_of(const path& run, const path& checkpoint) {
  const auto saved = qd::train::read_run_config(run.string());
  qd::train::GanTrainer t(
      qd::train::model_config(saved.options, static_cast<int64_t>(saved.categories.size()),
                              saved.image),
      saved.options.step, torch::kCPU);
  t.load(checkpoint.string());
  return t;
}

// The final weights of a run: its newest checkpoint.
inline qd::train::GanTrainer final_state(const path& run) {
  return state_of(run, qd::train::list_checkpoints(run.string()).back());
}

inline bool same_tensors(torch::nn::Module& a, torch::nn::Module& b) {
  const auto pb = b.named_parameters();
  for (const auto& p : a.named_parameters()) {
    if (!torch::equal(p.value(), pb[p.key()])) return false;
  }
  const auto bb = b.named_buffers();
  for (const auto& p : a.named_buffers()) {
    if (!torch::equal(p.value(), bb[p.key()])) return false;
  }
  return true;
}

// metrics.csv without the timing columns (images/s, loader wait), which may differ.
inline std::string losses_of(const path& csv) {
  std::istringstream in(qd::test::read_file(csv));
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    // Columns 6 and 7 (images_per_s, loader_wait_s) are timings; augment_p after them is not.
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; std::getline(fields, field, ','); ++i) {
      if (i != 6 && i != 7) out += (i == 0 ? "" : ",") + field;
    }
    out += "\n";
  }
  return out;
}

// Image i of class c: a 12x12 square at a place drawn from i, red (c = 0) or blue (c = 1) on a
// dark green ground, as HWC bytes of side x side.
inline std::vector<uint8_t> square_image(int c, int i, int side) {
  std::mt19937 random(static_cast<uint32_t>(i * 2 + c));
  const int x0 = static_cast<int>(random() % static_cast<uint32_t>(side - 12));
  const int y0 = static_cast<int>(random() % static_cast<uint32_t>(side - 12));
  std::vector<uint8_t> hwc(static_cast<size_t>(side) * side * 3);
  for (int y = 0; y < side; ++y) {
    for (int x = 0; x < side; ++x) {
      uint8_t* p = hwc.data() + (static_cast<size_t>(y) * side + x) * 3;
      const bool in = x >= x0 && x < x0 + 12 && y >= y0 && y < y0 + 12;
      p[0] = in && c == 0 ? 230 : 10;
      p[1] = in ? 20 : 60;
      p[2] = in && c == 1 ? 230 : 10;
    }
  }
  return hwc;
}

// A CIFAR-10 binary file of `per_class` images of classes 0 and 1 in turn, 32x32, with
// batches.meta.txt beside it.
inline void write_cifar(const path& dir, int per_class) {
  fs::create_directories(dir);
  std::ofstream out(dir / "data_batch_1.bin", std::ios::binary);
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < 2; ++c) {
      const auto hwc = square_image(c, i, 32);
      out.put(static_cast<char>(c));
      for (int channel = 0; channel < 3; ++channel) {  // planar: all red, then green, then blue
        for (int p = 0; p < 1024; ++p) out.put(static_cast<char>(hwc[p * 3 + channel]));
      }
    }
  }
  std::ofstream(dir / "batches.meta.txt") << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\n"
                                             "horse\nship\ntruck\n\n";
}

}  // namespace qd::test::train_e2e
