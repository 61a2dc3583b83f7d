#!/usr/bin/env bash
# Run THERE after build.sh: the GPU benchmark (keras-dcgan at batch 256 and 1024: PyTorch eager in
# Python, then qd_train with each speedup added in turn; an epoch over 100,000 images; GPU memory),
# then a 20-epoch conditional run over the numpy_bitmap categories with every speedup on.
# Results go to $OUT (default gpu-results/).
#   scripts/gpu/bench.sh [BUILD_DIR]      (default build-cuda)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-cuda}
out=${OUT:-gpu-results}
source scripts/gpu/env.sh
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
"$build/bench/bench_gpu" --batch-sizes 256,1024 --steps 200 --python python3 | tee "$out/bench_gpu.md"

bitmaps=${QD_SHARED_QUICKDRAW:-../shared/quickdraw}/numpy_bitmap
if [ -d "$bitmaps" ]; then
  shards=$(ls "$bitmaps"/*.npy | head -6 | paste -sd,)
  time "$build/trainer/qd_train" --shards "$shards" --conditional --arch keras-dcgan --epochs 20 \
    --device cuda --channels-last on --bf16 on --cuda-graph on --out "$out/runs/gpu-six" |
    tee "$out/train.log"
else
  echo "($bitmaps absent: no 20-epoch run; set QD_SHARED_QUICKDRAW)" | tee "$out/train.log"
fi
