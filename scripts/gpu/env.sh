# Sourced by build.sh and bench.sh THERE: unpacks .deb/*.deb (fetched here by fetch-debs.sh) into
# a private prefix once, and exports where CMake and the loader find it and LibTorch.
#   QD_DEB_PREFIX   the prefix (default /tmp/qd-deps)
#   QD_TORCH_PREFIX LibTorch's CMake prefix (default: python3's torch.utils.cmake_prefix_path)
prefix=${QD_DEB_PREFIX:-/tmp/qd-deps}
libdir="$prefix/usr/lib/x86_64-linux-gnu"
if [ ! -d "$libdir" ]; then
  ls .deb/*.deb >/dev/null 2>&1 || {
    echo "scripts/gpu: no .deb/*.deb: run scripts/gpu/fetch-debs.sh on a Debian 12 machine and bring .deb/ along" >&2
    exit 2
  }
  mkdir -p "$prefix"
  for deb in .deb/*.deb; do dpkg-deb -x "$deb" "$prefix" 2>/dev/null || dpkg -x "$deb" "$prefix"; done
  # Debian's symlinks point at absolute /usr paths: relink the unversioned .so names inside the prefix.
  for link in "$libdir"/*.so; do
    [ -L "$link" ] || continue
    target=$(readlink "$link")
    case "$target" in /*) ln -sf "$prefix$target" "$link" ;; esac
  done
fi
torch_prefix=${QD_TORCH_PREFIX:-$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')}
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PKG_CONFIG_PATH="$libdir/pkgconfig:$prefix/usr/share/pkgconfig"
