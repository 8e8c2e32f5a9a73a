#!/usr/bin/env bash
# The README's main job: install what is missing, build the four programs it runs (no tests,
# benchmarks or CUDA: those are the test command's), train a Go-NoGo rate RNN with the original
# settings, convert it to a LIF spiking network (scaling-factor search written back into the model
# file), evaluate the spiking network on 100 trials and plot everything.
# Everything goes to OUT (default: out/); SEED picks the network (default 4); the programs are
# built in BUILD_DIR (default: build-main).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out}
seed=${SEED:-4}
build_dir=${BUILD_DIR:-build-main}
bash scripts/install_deps.sh main
start=$(date +%s)
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DSPIKERNN_BUILD_TESTS=OFF -DSPIKERNN_BUILD_BENCHMARKS=OFF \
  -DSPIKERNN_ENABLE_CUDA=OFF -DSPIKERNN_WERROR=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target spikernn-train spikernn-search spikernn-eval spikernn-plot
echo "built the programs in $(($(date +%s) - start)) s"
bin=$build_dir/examples
model=$("$bin"/spikernn-train --task go-nogo --N 200 --act sigmoid --decay_taus 4 20 \
          --apply_dale true --som_N 0 --loss_fn l2 --n_trials 6000 --seed "$seed" --output_dir "$out")
echo "model: $model"
"$bin"/spikernn-search --model "$model" --trials 100
"$bin"/spikernn-eval --model "$model" --trials 100 --plots "$out/plots"
"$bin"/spikernn-plot --model "$model" --plots "$out/plots"
