#!/usr/bin/env bash
# Run THERE, in one device call (the lease is short): build and test against the machine's CUDA
# LibTorch, the GPU benchmark, then qd's recipe (#16) trained on the GPU and scored by doodleNet.
# Each stage has its own time limit, so a slow one still leaves the others' logs; everything goes
# to $OUT (default gpu-results/), and a table of the stages' exit codes and times is printed last.
#   QD_SHARED_QUICKDRAW=path/to/quickdraw scripts/gpu/check.sh [BUILD_DIR]   (default build-cuda)
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-cuda}
out=${OUT:-gpu-results}
shared=${QD_SHARED_QUICKDRAW:-../shared/quickdraw}
export QD_SHARED_QUICKDRAW=$shared
mkdir -p "$out"
source scripts/gpu/env.sh
echo "| stage | exit | seconds |" >"$out/stages.md"
echo "|---|---:|---:|" >>"$out/stages.md"

# stage NAME SECONDS COMMAND...: COMMAND under a time limit, its output in $out/NAME.log.
stage() {
  local name=$1 limit=$2 start=$SECONDS rc
  shift 2
  timeout "$limit" "$@" >"$out/$name.log" 2>&1
  rc=$?
  echo "| $name | $rc | $((SECONDS - start)) |" >>"$out/stages.md"
  echo "== $name: exit $rc"
  tail -n 6 "$out/$name.log"
  return $rc
}

configure_and_build() {
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix/usr" \
    -DCMAKE_LIBRARY_PATH="$libdir" -DCMAKE_INCLUDE_PATH="$prefix/usr/include" \
    -DCMAKE_BUILD_RPATH="$libdir" -DQD_PYTHON="$(command -v python3)" \
    -DQD_TORCH_PCH=OFF  # the precompiled header is untried with CUDA LibTorch, device time scarce &&
    cmake --build "$build" -j "$(nproc)" -- -k 0
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
run=/tmp/qd-gpu-runs/cat-qd # outside $OUT: only 8 files come back
export -f configure_and_build
export build torch_prefix prefix libdir
stage build 240 bash -c configure_and_build && {
  stage ctest 110 ctest --test-dir "$build" --output-on-failure -j 12
  stage bench_gpu 70 "$build/bench/bench_gpu" --batch-sizes 256,1024 --steps 200 --python python3
  stage recipe 80 "$build/trainer/qd_train" --shards "$shared/numpy_bitmap/cat.npy" --arch small \
    --augment flip,translation,cutout --ema-decay 0.999 --r1 0.1 --r1-every 16 --epochs 20 \
    --device cuda --out "$run" &&
    stage score 40 "$build/trainer/qd_score" --run "$run" --classifier "$shared/models/doodlenet" \
      --count 3000 --device cuda --json "$out/cat-qd-score.json"
}
cp "$run/samples/"epoch-0020.png "$out/" 2>/dev/null
echo
cat "$out/stages.md"
