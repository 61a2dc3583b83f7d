#!/usr/bin/env bash
# Run THERE (a CUDA machine with PyTorch, CMake and ninja but no apt): unpacks .deb/*.deb into a
# private prefix, then configures qd against the machine's CUDA LibTorch, builds and runs the
# tests. Usage: scripts/gpu/build.sh [BUILD_DIR]   (default build-cuda)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-cuda}
prefix=${QD_DEB_PREFIX:-/tmp/qd-deps}

ls .deb/*.deb >/dev/null 2>&1 || { echo "build.sh: no .deb/*.deb: run scripts/gpu/fetch-debs.sh on a Debian 12 machine first" >&2; exit 2; }
mkdir -p "$prefix"
for deb in .deb/*.deb; do dpkg-deb -x "$deb" "$prefix" 2>/dev/null || dpkg -x "$deb" "$prefix"; done
libdir="$prefix/usr/lib/x86_64-linux-gnu"
# Debian's symlinks point at absolute /usr paths: relink the unversioned .so names inside the prefix.
for link in "$libdir"/*.so; do
  [ -L "$link" ] || continue
  target=$(readlink "$link")
  case "$target" in /*) ln -sf "$prefix$target" "$link" ;; esac
done

torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PKG_CONFIG_PATH="$libdir/pkgconfig:$prefix/usr/share/pkgconfig"
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix/usr" \
  -DCMAKE_LIBRARY_PATH="$libdir" -DCMAKE_INCLUDE_PATH="$prefix/usr/include" \
  -DCMAKE_BUILD_RPATH="$libdir"
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j 4
