#!/usr/bin/env bash
# Writes the command-line reference (docs/cli.md) from the programs' own option tables, so that
# it cannot drift from them: `bash scripts/cli_reference.sh build/examples > docs/cli.md`.
# A test (program.cli_reference) fails when docs/cli.md differs from what this prints.
set -euo pipefail
bin=${1:?usage: cli_reference.sh FOLDER_OF_THE_PROGRAMS}
cat <<'HEAD'
# Command-line reference

Generated from the programs' `--help` by `scripts/cli_reference.sh` (a test keeps it equal to
what the programs print). Every program keeps one contract: `--version` prints its version; a
flag it does not have or a value it refuses exits 2 with `program: --flag: what was expected`;
a failed run exits 1 naming the file; an interrupted training run exits 130 after its checkpoint.
HEAD
for p in spikernn-train spikernn-search spikernn-eval spikernn-plot spikernn-glifr spikernn-smnn reproduce_kim2019 \
         embed_lif custom_task spikernn-analyze spikernn-export; do
  printf '\n## %s\n\n```text\n' "$p"
  COLUMNS=100 "$bin/$p" --help | sed -e 's/[[:space:]]*$//'
  printf '```\n'
done
