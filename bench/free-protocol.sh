#!/usr/bin/env bash
# The free protocol (docs/evaluation.md), the headline measure of a melody model: melody i gets only test tune i's
# style label, key, meter and number of bars (no chords, no form, no notes), and the set is compared with that
# collection's test split of the deduplicated folk corpus by `melos compare --collection C --bars 32` (the first 32
# bars after any pickup of both sets: whole 8-bar sections, AABB forms), novelty against the corpus's train split.
# Usage: bench/free-protocol.sh MODEL NAME [SEEDS...]   (default seeds 1 2 3; collections nottingham and oneills1850)
# Needs ../shared/datasets beside the repository. Torch on a shared 2-core machine: one OpenMP thread.
# The discriminator is trained DISC_RUNS times per set (default 3, successive seeds) and its accuracies averaged
# (`melos compare --discriminator-runs`): one training's figure moves by a few points with its own randomness.
# Writes $WORK/NAME-COLLECTION-sSEED.json (compare's JSON) and prints the summary line of each.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/licences.sh
model=${1:?usage: bench/free-protocol.sh MODEL NAME [SEEDS...]}
name=${2:?usage: bench/free-protocol.sh MODEL NAME [SEEDS...]}
shift 2
seeds=("$@"); [ ${#seeds[@]} -eq 0 ] && seeds=(1 2 3)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
d=../shared/datasets
work=${WORK:-${TMPDIR:-/tmp}/melos-free}
mkdir -p "$work"
dotnet build -c Release src/Melos.Cli >/dev/null
dotnet build -c Release bench/Melos.Bench >/dev/null
melos() { dotnet src/Melos.Cli/bin/Release/net10.0/*/melos.dll "$@"; }
bench() { dotnet bench/Melos.Bench/bin/Release/net10.0/*/Melos.Bench.dll "$@"; }
corpus=${CORPUS:-$work/folk.corpus}
[ -f "$corpus" ] || melos corpus build "$d/nottingham" "$d/folk-abc/oneills1850" "$d/folk-abc/ryans-mammoth" "$d/folk-abc/airds-airs" \
  --out "$corpus" --force "${LICENCES[@]}" >/dev/null
for collection in ${COLLECTIONS:-nottingham oneills1850}; do
  for seed in "${seeds[@]}"; do
    out="$work/$name-$collection-s$seed"
    bench eval-generate "$model" "$corpus:test" "$out" --protocol free --collection "$collection" --seed "$seed" ${GEN_ARGS:-} | tail -1
    melos compare "$out" "$corpus:test" --collection "$collection" --bars 32 --seed "$seed" --discriminator-runs "${DISC_RUNS:-3}" --json > "$out.json"
    echo "$name $collection seed $seed: $out.json"
  done
done
