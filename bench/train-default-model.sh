#!/usr/bin/env bash
# Trains the model shipped in models/default: the whole-tune LSTM over note tokens (LENGTH, numbered bars, COPY(k) of
# a repeated bar) on the deduplicated Nottingham, O'Neill's, Ryan's and Aird's collections with style labels: 1,854 steps
# of a 20-epoch schedule (bench/train-whole-tune-model.sh with STOP_AT=1854). The shipped run reached that step when its
# 75-minute budget ran out on an AMD EPYC; a step budget stops every machine at the same point (MINUTES=150 is only a
# safety stop). Needs ../shared/datasets beside the repository. The grid-token model that was the default before is in
# models/grid (bench/train-grid-model.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
STOP_AT=${STOP_AT:-1854} MINUTES=${MINUTES:-150} exec bench/train-whole-tune-model.sh "${1:-models/default}"
