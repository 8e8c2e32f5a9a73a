#!/usr/bin/env bash
# Installs the Debian 12 packages spikernn builds, tests and plots with (as root, or with sudo).
# Only what is missing is installed, so a second run is quick and needs no network.
set -euo pipefail
packages=(cmake g++ make pkg-config libeigen3-dev libxtensor-dev xtl-dev doctest-dev libmatio-dev
          libcli11-dev nlohmann-json3-dev libbenchmark-dev gnuplot-nox python3-scipy python3-numpy zlib1g-dev)
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
