#include "qd/trainer/distributed.h"

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace qd::train {

namespace {

const char* variable(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

int number(const char* name, int fallback, bool required) {
  const char* text = variable(name);
  if (text == nullptr) {
    if (required) {
      throw std::invalid_argument(std::string(name) +
                                  " is not set: a data-parallel run needs it (torchrun sets it)");
    }
    return fallback;
  }
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < 0 || value > 1000000) {
    throw std::invalid_argument(std::string(name) + "=" + text + " is not a number");
  }
  return static_cast<int>(value);
}

// Messages from Gloo run over several lines with a C++ backtrace: the first says what happened.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

WorldInfo world_from_environment() {
  WorldInfo w;
  const bool torchrun = variable("RANK") != nullptr;
  // Slurm's variables are also set inside a batch script that runs one qd_train: only with
  // MASTER_ADDR, which srun users export for the run, do they make it data-parallel.
  const bool slurm =
      !torchrun && variable("SLURM_PROCID") != nullptr && variable("MASTER_ADDR") != nullptr;
  if (!torchrun && !slurm) return w;
  w.rank = number(torchrun ? "RANK" : "SLURM_PROCID", 0, true);
  w.size = number(torchrun ? "WORLD_SIZE" : "SLURM_NTASKS", 1, true);
  w.local_rank = number(torchrun ? "LOCAL_RANK" : "SLURM_LOCALID", 0, false);
  w.local_size = number(torchrun ? "LOCAL_WORLD_SIZE" : "SLURM_NTASKS_PER_NODE", 1, false);
  if (w.size < 1 || w.rank >= w.size) {
    throw std::invalid_argument("rank " + std::to_string(w.rank) + " is not below the world size " +
                                std::to_string(w.size));
  }
  if (!w.distributed()) return w;
  const char* addr = variable("MASTER_ADDR");
  if (addr == nullptr) {
    throw std::invalid_argument(
        "MASTER_ADDR is not set: a data-parallel run needs the host of process 0 (torchrun sets "
        "it; under srun, export MASTER_ADDR and MASTER_PORT)");
  }
  w.master_addr = addr;
  w.master_port = number("MASTER_PORT", 0, true);
  return w;
}

struct Collectives::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;

  // Runs a collective; a process that has gone away becomes an error saying so.
  void run(const c10::intrusive_ptr<c10d::Work>& work) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw std::runtime_error("another process of the data-parallel run failed or left (" +
                               first_line(e.what()) + ")");
    }
  }
};

Collectives::Collectives(const WorldInfo& world, int timeout_s)
    : world_(world), group_(std::make_unique<Group>()) {
  const auto timeout = std::chrono::seconds(timeout_s);
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(world.master_port);
    // torchrun's agent already serves the store on MASTER_PORT and says so; otherwise (srun, or
    // processes started by hand) process 0 serves it.
    const char* agent_store = variable("TORCHELASTIC_USE_AGENT_STORE");
    options.isServer = world.rank == 0 && !(agent_store && std::string(agent_store) == "True");
    options.numWorkers = world.size;
    options.waitWorkers = true;
    options.timeout = timeout;
    group_->store = c10::make_intrusive<c10d::TCPStore>(world.master_addr, options);
    auto gloo = c10d::ProcessGroupGloo::Options::create();
    gloo->timeout = timeout;
    // As PyTorch does: GLOO_SOCKET_IFNAME names the interface, else the host's own name.
    if (const char* interface = variable("GLOO_SOCKET_IFNAME")) {
      gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    } else if (world.master_addr == "127.0.0.1" || world.master_addr == "localhost") {
      gloo->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      gloo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    group_->group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, world.rank, world.size, gloo);
  } catch (const std::exception& e) {
    throw std::runtime_error("process " + std::to_string(world.rank) + " of " +
                             std::to_string(world.size) + " could not join the run at " +
                             world.master_addr + ":" + std::to_string(world.master_port) + " (" +
                             first_line(e.what()) + ")");
  }
}

Collectives::~Collectives() = default;

void Collectives::average(const std::vector<torch::Tensor>& tensors) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.detach().reshape({-1}).to(torch::kFloat));
  std::vector<torch::Tensor> buffer = {torch::cat(flat)};
  group_->run(group_->group->allreduce(buffer));
  buffer[0].div_(world_.size);
  int64_t at = 0;
  torch::NoGradGuard no_grad;
  for (const auto& t : tensors) {
    t.copy_(buffer[0].narrow(0, at, t.numel()).view(t.sizes()));
    at += t.numel();
  }
}

bool Collectives::any(bool flag) {
  std::vector<torch::Tensor> v = {torch::full({1}, flag ? 1.0F : 0.0F)};
  group_->run(group_->group->allreduce(v, c10d::AllreduceOptions{c10d::ReduceOp::MAX}));
  return v[0].item<float>() > 0;
}

bool Collectives::same_everywhere(const torch::Tensor& values) {
  std::vector<torch::Tensor> most = {values.to(torch::kDouble).clone()};
  std::vector<torch::Tensor> least = {most[0].clone()};
  group_->run(group_->group->allreduce(most, c10d::AllreduceOptions{c10d::ReduceOp::MAX}));
  group_->run(group_->group->allreduce(least, c10d::AllreduceOptions{c10d::ReduceOp::MIN}));
  return torch::equal(most[0], least[0]);
}

}  // namespace qd::train
