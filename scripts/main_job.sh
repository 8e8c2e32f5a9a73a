#!/usr/bin/env bash
# The README's main job: install what is missing, build, train a Go-NoGo rate RNN with the
# original settings, save it in the original MAT schema and plot its training and outputs.
# Everything goes to OUT (default: out/).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out}
seed=${SEED:-1}
bash scripts/install_deps.sh
bash scripts/build.sh
model=$(build/examples/spikernn-train --task go-nogo --N 200 --act sigmoid --decay_taus 4 20 \
          --apply_dale true --som_N 0 --loss_fn l2 --n_trials 6000 --seed "$seed" --output_dir "$out")
echo "model: $model"
build/examples/spikernn-plot --model "$model" --plots "$out/plots"
