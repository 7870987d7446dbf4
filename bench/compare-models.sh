#!/usr/bin/env bash
# Measures every model against the Nottingham test split with `melos compare` (bench/RESULTS.md, "Generated melodies
# against the Nottingham test split"). For each model: 100 melodies of 16 bars with the keys and meters of the 93 test
# melodies (bench eval-generate), then `melos compare ... --bars 15` (15 whole bars after any pickup, so both sets have
# the same length), the discriminator with its defaults (5 folds, 30 epochs, seed 1).
# Needs ../shared/datasets beside the repository and the Nottingham checkpoints (bench/configs/nottingham-*.json;
# pass their folders as NGRAM, LSTM, TRANSFORMER). The default model's novelty is measured against its own training
# data (the folk corpus of bench/train-default-model.sh); the others' against the Nottingham train split.
# Torch on a shared 2-core machine: one OpenMP thread, or it runs many times slower.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/licences.sh
export OMP_NUM_THREADS=1
d=../shared/datasets
work=${WORK:-${TMPDIR:-/tmp}/melos-compare}
mkdir -p "$work"
dotnet build -c Release src/Melos.Cli >/dev/null
dotnet build -c Release bench/Melos.Bench >/dev/null
melos() { nice -n 5 dotnet src/Melos.Cli/bin/Release/net10.0/*/melos.dll "$@"; }
bench() { nice -n 5 dotnet bench/Melos.Bench/bin/Release/net10.0/*/Melos.Bench.dll "$@"; }

melos corpus build "$d/nottingham/ABC_cleaned" --collection nottingham --out "$work/nottingham.corpus" --force "${LICENCES[@]}"
melos corpus build "$d/nottingham" "$d/folk-abc/oneills1850" "$d/folk-abc/ryans-mammoth" --out "$work/folk.corpus" --force "${LICENCES[@]}"

run() { # NAME MODEL [compare options...]
  local name=$1 model=$2; shift 2
  bench eval-generate "$model" "$work/nottingham.corpus:test" "$work/gen/$name" --count 100 --bars 16 --seed 1 ${GEN_ARGS:-}
  melos compare "$work/gen/$name" "$work/nottingham.corpus:test" --bars 15 --json --report "$work/report-$name" "$@" > "$work/$name.json"
}
run default models/grid --train "$work/folk.corpus"
GEN_ARGS="--top-p 0.9" run default-p09 models/grid --train "$work/folk.corpus"
[ -n "${NGRAM:-}" ] && run ngram "$NGRAM"
[ -n "${LSTM:-}" ] && run lstm "$LSTM"
[ -n "${TRANSFORMER:-}" ] && run transformer "$TRANSFORMER"
# The lead-sheet protocol (docs/evaluation.md): each melody also gets its test melody's chords and form; the shipped
# model its style label. Then the steps between: style only, and a form drawn from the folk training split.
lead="--forms reference --chords reference"
GEN_ARGS="$lead --style nottingham" run default-leadsheet models/grid --train "$work/folk.corpus"
GEN_ARGS="--style nottingham" run default-style models/grid --train "$work/folk.corpus"
GEN_ARGS="--style nottingham --forms $work/folk.corpus:train" run default-style-trainforms models/grid --train "$work/folk.corpus"
[ -n "${NGRAM:-}" ] && GEN_ARGS="$lead" run ngram-leadsheet "$NGRAM"
[ -n "${LSTM:-}" ] && GEN_ARGS="$lead" run lstm-leadsheet "$LSTM"
[ -n "${TRANSFORMER:-}" ] && GEN_ARGS="$lead" run transformer-leadsheet "$TRANSFORMER"
melos compare "$work/nottingham.corpus:valid" "$work/nottingham.corpus:test" --bars 15 --json > "$work/real-valid.json"
echo "results in $work/*.json and $work/report-*/index.html"
