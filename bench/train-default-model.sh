#!/usr/bin/env bash
# Trains the model shipped in models/default: the whole-tune LSTM (2x512) over note tokens (LENGTH, bars numbered from
# the tune's end, COPY(k) of a repeated bar; bench/configs/whole-tune-lstm-from-end.json) on the deduplicated
# Nottingham, O'Neill's, Ryan's and Aird's collections with style labels: a 16-epoch cosine schedule run to its end
# (1,936 steps; bench/train-whole-tune-model.sh with CONFIG and EPOCHS set), about 40 minutes on 2 cores. The step
# count fixes where it stops on every machine; MINUTES=120 is only a safety stop. Needs ../shared/datasets beside the
# repository. The earlier default (bars numbered from the start, stopped at step 1,854 of 20 epochs) is reproduced by
# CONFIG=bench/configs/whole-tune-lstm.json EPOCHS=20 STOP_AT=1854 bench/train-whole-tune-model.sh DEST; the grid-token
# model by bench/train-grid-model.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-bench/configs/whole-tune-lstm-from-end.json} EPOCHS=${EPOCHS:-16} MINUTES=${MINUTES:-120} \
  exec bench/train-whole-tune-model.sh "${1:-models/default}"
