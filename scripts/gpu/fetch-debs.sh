#!/usr/bin/env bash
# Run HERE (a Debian 12 machine with apt): downloads the .deb files that a CUDA machine without apt
# needs to build qd (scripts/gpu/packages.txt) into .deb/ at the repository root (ignored by git),
# for the machine's own architecture amd64.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .deb
lists=/tmp/qd-apt-amd64
mkdir -p "$lists/partial"
opts=(-o APT::Architecture=amd64 -o APT::Architectures=amd64 -o Dir::State::Lists="$lists")
apt-get "${opts[@]}" update -qq
mapfile -t packages < <(grep -v '^#' scripts/gpu/packages.txt | grep -v '^$')
(cd .deb && apt-get "${opts[@]}" download "${packages[@]}")
du -sh .deb
