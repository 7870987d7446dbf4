#!/usr/bin/env bash
# Trains the model shipped in models/default: the whole-tune LSTM over note tokens (LENGTH, numbered bars, COPY(k) of
# a repeated bar) on the deduplicated Nottingham, O'Neill's, Ryan's and Aird's collections with style labels, 75
# minutes of training on 2 cores (bench/train-whole-tune-model.sh, about 80 minutes in all with the corpus build and
# the evaluation). Needs ../shared/datasets beside the repository. The grid-token model that was the default before is
# in models/grid (bench/train-grid-model.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/train-whole-tune-model.sh models/default
