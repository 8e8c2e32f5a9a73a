#!/usr/bin/env bash
# Installs the Debian 12 packages spikernn needs (as root, or with sudo). Only what is missing is
# installed, so a second run is quick and needs no network.
#   install_deps.sh        everything: the programs, the tests, the benchmarks
#   install_deps.sh main   what the programs of the main job need (build, MAT files, plots)
set -euo pipefail
packages=(cmake g++ make pkg-config libeigen3-dev libmatio-dev libcli11-dev nlohmann-json3-dev gnuplot-nox zlib1g-dev)
if [ "${1:-all}" != main ]; then
  packages+=(doctest-dev libbenchmark-dev python3-scipy python3-numpy python3-dev pybind11-dev python3-pytest python3-h5py
             python3-brian libhdf5-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
