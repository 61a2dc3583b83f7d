#!/usr/bin/env bash
# Installs the Debian 12 packages qd builds with, then configures and builds it in build/.
#   scripts/setup.sh            build dependencies, then build
#   scripts/setup.sh --bench    also what the benchmarks compare against (python3-torch, pycairo)
#   scripts/setup.sh --no-build install only
#   scripts/setup.sh --werror   build with compiler warnings as errors (what CI does)
#   scripts/setup.sh --browser  also Chromium, for the tests that open report.html and qd_export's
#                               page (CI does)
#   scripts/setup.sh --web      also Node and ONNX Runtime Web (npm's onnxruntime-web) in
#                               /usr/local/lib/qd-web: what qd_export --web copies into its page,
#                               and what the tests run exported models with (CI does)
#   scripts/setup.sh --asan     also clang and libFuzzer, and build the asan preset in build-asan
#                               (the tests under ASan and UBSan, and the fuzz targets: docs/fuzzing.md)
set -euo pipefail
cd "$(dirname "$0")/.."

bench=0
build=1
werror=OFF
browser=0
web=0
asan=0
for arg in "$@"; do
  case "$arg" in
    --bench) bench=1 ;;
    --no-build) build=0 ;;
    --werror) werror=ON ;;
    --browser) browser=1 ;;
    --web) web=1 ;;
    --asan) asan=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

packages=(
  g++ cmake ninja-build pkg-config
  libtbb-dev libsimdjson-dev libcairo2-dev zlib1g-dev libboost-program-options-dev
  libcurl4-openssl-dev libgif-dev doctest-dev
  libzip-dev                          # stroke-3 .npz; checkpoints verified on load (record CRCs)
  libtorch-dev libopenblas0-pthread   # without OpenBLAS, Debian's libtorch runs on the reference BLAS
  libonnx-dev libprotobuf-dev         # qd_export writes ONNX (built without it when absent)
  libgloo-dev                         # the headers of c10d's Gloo process group (data-parallel)
  python3 python3-numpy python3-scipy # tests: numpy loads .npy, scipy checks FID; HTTP test server
  python3-onnx                        # tests: onnx.checker on qd_export's models
  dataset-fashion-mnist               # tests and the README's Fashion-MNIST run: IDX files, real data
)
if [ "$bench" = 1 ]; then packages+=(python3-torch python3-cairo); fi
if [ "$browser" = 1 ]; then packages+=(chromium); fi
# Debian's Node and npm, unless a Node with npm is there already (e.g. from NodeSource).
if [ "$web" = 1 ] && ! command -v npm >/dev/null; then packages+=(nodejs npm); fi
# clang with its sanitizer and libFuzzer runtimes; llvm for llvm-symbolizer (reports with lines).
if [ "$asan" = 1 ]; then packages+=(clang libclang-rt-14-dev llvm); fi

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ONNX Runtime Web, pinned: its dist/ holds the page's runtime (ort.wasm.min.js and its wasm).
ort_web_version=1.31.1
ort_web_prefix=/usr/local/lib/qd-web
if [ "$web" = 1 ] && ! grep -qs "\"version\": \"$ort_web_version\"" \
    "$ort_web_prefix/node_modules/onnxruntime-web/package.json"; then
  echo "setup.sh: installing onnxruntime-web@$ort_web_version into $ort_web_prefix"
  $sudo npm install --prefix "$ort_web_prefix" --no-audit --no-fund \
    "onnxruntime-web@$ort_web_version"
fi

if [ "$build" = 1 ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DQD_WARNINGS_AS_ERRORS="$werror"
  cmake --build build
  if [ "$asan" = 1 ]; then
    # The preset sets warnings as errors itself.
    cmake --preset asan
    cmake --build --preset asan
  fi
fi
