#!/usr/bin/env bash
# Trains the VAE shipped in models/vae: 4-bar windows of 4/4 (16 grid steps per bar, one window starting at every bar,
# repeats left out) from the Nottingham training split, bench/configs/vae-4bar.json (bidirectional LSTM encoder of 128
# per direction, 64-dimensional latent, one decoder LSTM of 256, free bits 160, KL weight annealed to 0.2), at most
# 40 epochs (5,600 steps; 28 minutes on one core of an Intel Xeon) or MINUTES (default 60) minutes; the run ends with
# the weights of its best validation loss. One torch thread: on an oversubscribed machine
# a smaller probe configuration took 8.5 s per step with two OpenMP threads against 1.7 s with one. Needs ../shared/datasets beside the repository.
# Usage: bench/train-vae.sh [DEST]   (default models/vae)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/licences.sh
dest=${1:-models/vae}
d=../shared/datasets
work=${TMPDIR:-/tmp}/melos-vae
mkdir -p "$work"
dotnet build -c Release src/Melos.Cli >/dev/null
# The training process runs from a copy of the build, so a later build cannot replace its files under it.
rm -rf "$work/bin" && cp -r src/Melos.Cli/bin/Release/net10.0/linux-x64 "$work/bin"
melos() { OMP_NUM_THREADS=1 dotnet "$work/bin/melos.dll" "$@"; }
[ -f "$work/nottingham.corpus" ] || melos corpus build "$d/nottingham" --out "$work/nottingham.corpus" --force "${LICENCES[@]}"
melos train --corpus "$work/nottingham.corpus" --arch vae --bars 4 --config bench/configs/vae-4bar.json --epochs "${EPOCHS:-40}" \
  --max-minutes "${MINUTES:-60}" --seed 1234 --out "$work/model" --force --verbose
rm -rf "$dest" && mkdir -p "$dest"
cp "$work/model"/{config.json,weights.bin,training-log.jsonl,loss.png,model-card.md} "$dest"/
