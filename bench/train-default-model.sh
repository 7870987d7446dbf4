#!/usr/bin/env bash
# Trains the model shipped in models/default: the whole-tune LSTM (2x512) over note tokens (LENGTH, bars numbered from
# the tune's end, COPY(k) of a repeated bar) on the deduplicated Nottingham, O'Neill's, Ryan's and Aird's collections
# with style labels, in two stages:
#   1. bench/configs/whole-tune-lstm-from-end.json, a 16-epoch cosine schedule run to its end (1,936 steps; about 40
#      minutes on 2 cores with the machine to itself), through bench/train-whole-tune-model.sh;
#   2. continued from those weights (`melos train --init-from`) for 8 more epochs (968 steps) at a quarter of the
#      learning rate (bench/configs/whole-tune-lstm-from-end-continue.json, seed 1235: another data order); about 20
#      minutes with the machine to itself (80 minutes when it ran beside two other jobs).
# The step counts fix where each stage stops on every machine; MINUTES (default 120) is only a safety stop for stage 1.
# Needs ../shared/datasets beside the repository. Usage: bench/train-default-model.sh [DEST]   (default models/default)
# STAGE=2 runs only the continuation, from the stage-1 model in the work folder. The earlier defaults: bars numbered
# from the start, CONFIG=bench/configs/whole-tune-lstm.json EPOCHS=20 STOP_AT=1854 bench/train-whole-tune-model.sh
# DEST; stage 1 alone, CONFIG=bench/configs/whole-tune-lstm-from-end.json EPOCHS=16 bench/train-whole-tune-model.sh DEST;
# the grid-token model, bench/train-grid-model.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-models/default}
work=${TMPDIR:-/tmp}/melos-whole-tune-lstm
stage1=$work/stage1
if [ "${STAGE:-1}" = 1 ]; then
  CONFIG=bench/configs/whole-tune-lstm-from-end.json EPOCHS=16 MINUTES=${MINUTES:-120} \
    bench/train-whole-tune-model.sh "$stage1"
fi
melos() { dotnet "$work/bin/melos.dll" "$@"; }
melos train --corpus "$work/folk.corpus" --arch lstm --config bench/configs/whole-tune-lstm-from-end-continue.json \
  --init-from "$stage1" --epochs 8 --chord-dropout 0.5 --seed 1235 --out "$work/continued" --force
melos evaluate --model "$work/continued" --corpus "$work/folk.corpus" --split test
mkdir -p "$dest"
cp "$work/continued"/{config.json,weights.bin,training-log.jsonl,loss.png} "$dest"/
# The model card (models/default/model-card.md) describes both stages and is kept by hand.
