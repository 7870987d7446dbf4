#!/usr/bin/env bash
# The VAE's figures (bench/RESULTS.md, section "VAE"): reconstruction accuracy on the Nottingham test split,
# interpolation smoothness over 100 pairs of test windows, the 9-step interpolation time warm (bench vae-eval), then
# the discriminator of melos compare on 4 bars: the interpolation midpoints, and 4-bar melodies of the autoregressive
# model in the same keys, each against real test windows held apart from the pairs.
# Usage: bench/vae-figures.sh [VAE] [AR]   (defaults models/vae and models/default). Needs ../shared/datasets.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/licences.sh
vae=${1:-models/vae}
ar=${2:-models/default}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
d=../shared/datasets
work=${WORK:-${TMPDIR:-/tmp}/melos-vae-figures}
mkdir -p "$work"
dotnet build -c Release src/Melos.Cli >/dev/null
dotnet build -c Release bench/Melos.Bench >/dev/null
melos() { dotnet src/Melos.Cli/bin/Release/net10.0/*/melos.dll "$@"; }
bench() { dotnet bench/Melos.Bench/bin/Release/net10.0/*/Melos.Bench.dll "$@"; }
corpus=${CORPUS:-$work/nottingham.corpus}
[ -f "$corpus" ] || melos corpus build "$d/nottingham" --out "$corpus" --force "${LICENCES[@]}" >/dev/null
rm -rf "$work/sets"
bench vae-eval "$vae" "$corpus" "$work/sets" --collection nottingham --pairs 100 --ar "$ar" --seed 1
for set in midpoints midpoints-even ar; do
  melos compare "$work/sets/$set" "$work/sets/real" --train "$corpus:train" --bars 4 --seed 1 --json > "$work/$set.json"
  echo "$set: $(grep -m1 -o '"discriminatorAccuracy": [0-9.]*' "$work/$set.json" || true) ($work/$set.json)"
done
