#!/usr/bin/env bash
# Trains the whole-tune folk model: an LSTM over whole-tune note tokens (LENGTH, numbered bars, COPY(k) for repeated
# bars; bench/configs/whole-tune-lstm.json) on the deduplicated Nottingham, O'Neill's, Ryan's and Aird's collections,
# with style labels, half of the tunes with chords trained without them (--chord-dropout 0.5) so it writes well with
# and without chords. 75 minutes of training on 2 cores (about 1,500 steps of 32 whole tunes). Needs ../shared/datasets
# beside the repository. Only config.json and weights.bin are needed to generate; the optimizer state is left out.
# Usage: bench/train-whole-tune-model.sh [DEST]   (default models/folk-tune)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-models/folk-tune}
d=../shared/datasets
work=${TMPDIR:-/tmp}/melos-whole-tune-model
mkdir -p "$work"
dotnet build -c Release src/Melos.Cli >/dev/null
# The training process runs from a copy of the build, so a later build cannot replace its files under it.
rm -rf "$work/bin" && cp -r src/Melos.Cli/bin/Release/net10.0/linux-x64 "$work/bin"
melos() { dotnet "$work/bin/melos.dll" "$@"; }
melos corpus build "$d/nottingham" "$d/folk-abc/oneills1850" "$d/folk-abc/ryans-mammoth" "$d/folk-abc/airds-airs" \
  --out "$work/folk.corpus" --force
melos train --corpus "$work/folk.corpus" --arch lstm --config bench/configs/whole-tune-lstm.json --epochs 20 --max-minutes 75 \
  --chord-dropout 0.5 --seed 1234 --out "$work/model" --force
melos evaluate --model "$work/model" --corpus "$work/folk.corpus" --split test
rm -rf "$dest" && mkdir -p "$dest"
cp "$work/model"/{config.json,weights.bin,training-log.jsonl,loss.png,model-card.md} "$dest"/
