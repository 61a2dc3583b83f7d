// Collectives over a c10d Gloo process group. Built only when LibTorch's Gloo headers are there
// (Debian's libtorch-dev has them; PyTorch's pip wheels do not): otherwise collectives_absent.cpp.
#include <chrono>
#include <stdexcept>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "qd/step/distributed.h"

namespace qd::train {

namespace {

// Messages from Gloo run over several lines with a C++ backtrace: the first says what happened.
std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

}  // namespace

bool data_parallel_available() {
  return true;
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
    const char* agent_store = environment_value("TORCHELASTIC_USE_AGENT_STORE");
    options.isServer = world.rank == 0 && !(agent_store && std::string(agent_store) == "True");
    options.numWorkers = world.size;
    options.waitWorkers = true;
    options.timeout = timeout;
    group_->store = c10::make_intrusive<c10d::TCPStore>(world.master_addr, options);
    auto gloo = c10d::ProcessGroupGloo::Options::create();
    gloo->timeout = timeout;
    // As PyTorch does: GLOO_SOCKET_IFNAME names the interface, else the host's own name.
    if (const char* interface = environment_value("GLOO_SOCKET_IFNAME")) {
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
