#pragma once
// Data-parallel training over processes and machines with PyTorch's own runtime: the processes
// meet as torchrun and Slurm describe them in the environment, and exchange what the step needs
// through a c10d Gloo process group (TCP; CPU tensors, or CUDA tensors copied through the host).

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace qd::train {

struct WorldInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // on this machine: the GPU to use
  int local_size = 1;  // processes on this machine: they share its cores
  std::string master_addr;
  int master_port = 0;
  bool distributed() const { return size > 1; }
};

// torchrun's RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT; without
// RANK but with MASTER_ADDR and MASTER_PORT exported (as PyTorch needs under srun), Slurm's
// SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE. Neither: one process. Throws
// std::invalid_argument naming a variable that is missing or malformed.
WorldInfo world_from_environment();

// An environment variable's value; null when it is unset or empty (as torchrun treats both).
const char* environment_value(const char* name);

// Whether this build can train data-parallel: LibTorch's Gloo headers were there when it was built
// (Debian's libtorch-dev has them; PyTorch's pip wheels do not). Without them a Collectives refuses
// to be made, saying why.
bool data_parallel_available();

// The collectives of one data-parallel run, every process calling each in the same order.
class Collectives {
 public:
  // Joins the run's process group; blocks until every process has (at most `timeout_s`).
  // Throws std::runtime_error saying who could not be reached.
  explicit Collectives(const WorldInfo& world, int timeout_s = 300);
  ~Collectives();
  Collectives(const Collectives&) = delete;
  Collectives& operator=(const Collectives&) = delete;

  const WorldInfo& world() const { return world_; }
  // Each tensor replaced, in place, by its mean over the processes (one exchange for all of them).
  void average(const std::vector<torch::Tensor>& tensors);
  // Whether `flag` is raised in any process.
  bool any(bool flag);
  // Whether `values` is the same, element for element, in every process.
  bool same_everywhere(const torch::Tensor& values);

 private:
  struct Group;
  WorldInfo world_;
  std::unique_ptr<Group> group_;
};

}  // namespace qd::train
