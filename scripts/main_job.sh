#!/usr/bin/env bash
# The README's main job: install what is missing, build, train a Go-NoGo rate RNN with the
# original settings, convert it to a LIF spiking network (scaling-factor search written back
# into the model file), evaluate the spiking network on 100 trials and plot everything.
# Everything goes to OUT (default: out/); SEED picks the network (default 4).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out}
seed=${SEED:-4}
bash scripts/install_deps.sh
bash scripts/build.sh
model=$(build/examples/spikernn-train --task go-nogo --N 200 --act sigmoid --decay_taus 4 20 \
          --apply_dale true --som_N 0 --loss_fn l2 --n_trials 6000 --seed "$seed" --output_dir "$out")
echo "model: $model"
build/examples/spikernn-search --model "$model" --trials 100
build/examples/spikernn-eval --model "$model" --trials 100 --plots "$out/plots"
build/examples/spikernn-plot --model "$model" --plots "$out/plots"
