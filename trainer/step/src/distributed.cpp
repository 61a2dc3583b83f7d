#include "qd/step/distributed.h"

#include <cstdlib>
#include <stdexcept>

namespace qd::train {

const char* environment_value(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

namespace {

int number(const char* name, int fallback, bool required) {
  const char* text = environment_value(name);
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

}  // namespace

WorldInfo world_from_environment() {
  WorldInfo w;
  const bool torchrun = environment_value("RANK") != nullptr;
  // Slurm's variables are also set inside a batch script that runs one qd_train: only with
  // MASTER_ADDR, which srun users export for the run, do they make it data-parallel.
  const bool slurm = !torchrun && environment_value("SLURM_PROCID") != nullptr &&
                     environment_value("MASTER_ADDR") != nullptr;
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
  const char* addr = environment_value("MASTER_ADDR");
  if (addr == nullptr) {
    throw std::invalid_argument(
        "MASTER_ADDR is not set: a data-parallel run needs the host of process 0 (torchrun sets "
        "it; under srun, export MASTER_ADDR and MASTER_PORT)");
  }
  w.master_addr = addr;
  w.master_port = number("MASTER_PORT", 0, true);
  return w;
}

}  // namespace qd::train
