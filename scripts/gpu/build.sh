#!/usr/bin/env bash
# Run THERE (a CUDA machine with PyTorch, CMake and ninja but no apt): unpacks .deb/*.deb into a
# private prefix, configures qd against the machine's CUDA LibTorch, builds and runs the tests
# (the CUDA ones included: they run wherever torch::cuda::is_available()).
#   scripts/gpu/build.sh [BUILD_DIR]      (default build-cuda)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-cuda}
source scripts/gpu/env.sh
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix/usr" \
  -DCMAKE_LIBRARY_PATH="$libdir" -DCMAKE_INCLUDE_PATH="$prefix/usr/include" \
  -DCMAKE_BUILD_RPATH="$libdir" -DQD_PYTHON="$(command -v python3)" \
    -DQD_TORCH_PCH=OFF  # the precompiled header is untried with CUDA LibTorch, device time scarce
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j 4
