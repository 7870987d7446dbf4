#!/usr/bin/env bash
# Trains the grid-token model shipped in models/grid: an LSTM on the Nottingham, O'Neill's and Ryan's folk corpora
# (melody + chords, grid tokenizer at 12 steps per quarter). Needs ../shared/datasets beside the repository.
# Only config.json and weights.bin are needed to generate; the optimizer state is left out of the shipped copy.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/licences.sh
d=../shared/datasets
work=${TMPDIR:-/tmp}/melos-default-model
mkdir -p "$work"
melos() { dotnet run -c Release --project src/Melos.Cli -- "$@"; }
melos corpus build "$d/nottingham" "$d/folk-abc/oneills1850" "$d/folk-abc/ryans-mammoth" --out "$work/folk.corpus" --force "${LICENCES[@]}"
melos train --corpus "$work/folk.corpus" --arch lstm --config bench/configs/default-model.json --epochs 4 --max-minutes 15 \
  --seed 1234 --out "$work/model" --force
melos evaluate --model "$work/model" --corpus "$work/folk.corpus" --split test
rm -rf models/grid && mkdir -p models/grid
cp "$work/model"/{config.json,weights.bin,training-log.jsonl,loss.png,model-card.md} models/grid/
