#!/usr/bin/env bash
# Trains the whole-tune folk model: an LSTM over whole-tune note tokens (LENGTH, numbered bars, COPY(k) for repeated
# bars; bench/configs/whole-tune-lstm.json) on the deduplicated Nottingham, O'Neill's, Ryan's and Aird's collections,
# with style labels, half of the tunes with chords trained without them (--chord-dropout 0.5) so it writes well with
# and without chords. 75 minutes of training on 2 cores (about 1,500 steps of 32 whole tunes). Needs ../shared/datasets
# beside the repository. Only config.json and weights.bin are needed to generate; the optimizer state is left out.
# Usage: bench/train-whole-tune-model.sh [DEST]   (default models/default)
# ARCH=transformer CONFIG=bench/configs/whole-tune-transformer.json MINUTES=150 (EPOCHS=20) trains the relative-attention
# Transformer on the same tokens instead; RESUME=1 continues an interrupted run from its checkpoint in the work folder;
# STOP_AT=N stops after N steps of the schedule (`melos train --stop-at-step`), the same point on every machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/licences.sh
dest=${1:-models/default}
d=../shared/datasets
arch=${ARCH:-lstm}
config=${CONFIG:-bench/configs/whole-tune-lstm.json}
minutes=${MINUTES:-75}
work=${TMPDIR:-/tmp}/melos-whole-tune-$arch
mkdir -p "$work"
dotnet build -c Release src/Melos.Cli >/dev/null
# The training process runs from a copy of the build, so a later build cannot replace its files under it.
rm -rf "$work/bin" && cp -r src/Melos.Cli/bin/Release/net10.0/linux-x64 "$work/bin"
melos() { dotnet "$work/bin/melos.dll" "$@"; }
[ -f "$work/folk.corpus" ] || melos corpus build "$d/nottingham" "$d/folk-abc/oneills1850" "$d/folk-abc/ryans-mammoth" "$d/folk-abc/airds-airs" \
  --out "$work/folk.corpus" --force "${LICENCES[@]}"
if [ "${RESUME:-0}" = 1 ]; then again=(--resume); else again=(--force); fi
stop=(); [ -n "${STOP_AT:-}" ] && stop=(--stop-at-step "$STOP_AT")
melos train --corpus "$work/folk.corpus" --arch "$arch" --config "$config" --epochs "${EPOCHS:-20}" --max-minutes "$minutes" \
  --chord-dropout 0.5 --seed 1234 --out "$work/model" "${stop[@]}" "${again[@]}"
melos evaluate --model "$work/model" --corpus "$work/folk.corpus" --split test
rm -rf "$dest" && mkdir -p "$dest"
cp "$work/model"/{config.json,weights.bin,training-log.jsonl,loss.png,model-card.md} "$dest"/
