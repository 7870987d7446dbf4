#!/usr/bin/env bash
# Closes the loop from recordings to a model (issue #20; bench/RESULTS.md, "Transcription from audio"): the Nottingham
# train split rendered to audio and transcribed back trains a model whose bits per note on the symbolic Nottingham test
# split is compared with the same model trained on the same tunes as symbols (target: within 10%).
# Usage: bench/audio-loop.sh            (env: WORK folder, default $TMPDIR/melos-audio-loop; LIMIT=N takes the first N
#                                        train tunes by id, the same N both ways; SYNTH=fluidsynth|builtin; PROGRAM=73;
#                                        LSTM_STEPS=N also trains a small LSTM, N steps, both ways)
# Needs ../shared/datasets beside the repository, and fluidsynth with Debian's fluid-soundfont-gm for SYNTH=fluidsynth.
# Steps:
#  1. `melos corpus build nottingham/ABC_cleaned` (default splits 0.8/0.1/0.1 by families of near-duplicates);
#  2. `bench render-split` writes every train-split melody (first LIMIT by id) as MIDI with its chords (mid/) and as WAV
#     (wav/): the melody alone on General MIDI program PROGRAM (73, flute) through FluidSynth and FluidR3_GM at 22.05 kHz
#     (FluidSynth's default reverb and chorus on), or the built-in synthesizer without its chord pad (SYNTH=builtin);
#  3. both folders are built into corpora the same way, with `--valid 0 --test 0` so that every rendered train tune is
#     in the training split and nothing of either is held out (`melos train` trains on the train split only; the
#     n-gram uses the valid split for nothing but a report, so neither model has one); the audio build transcribes
#     (tempo, meter, key and tuning estimated; meter among 4/4, 3/4, 6/8 and 9/8) and reports its discards by reason;
#  4. the note-event n-gram (bench/configs/note-ngram.json) is trained on each, and on the symbolic corpus's own train
#     split as a check of the MIDI round trip, and each is evaluated on the SAME symbolic test split
#     (`melos evaluate --corpus nottingham.corpus --split test`); with LSTM_STEPS, a small note-token LSTM
#     (bench/configs/loop-lstm.json: 1 layer of 128) too, for a fixed number of steps (no validation split to stop on).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/licences.sh
d=../shared/datasets
work=${WORK:-${TMPDIR:-/tmp}/melos-audio-loop}
synth=${SYNTH:-fluidsynth}
mkdir -p "$work"
rm -f "$work"/ngram-*.json "$work"/lstm-*.json
dotnet build -c Release src/Melos.Cli >/dev/null
dotnet build -c Release bench/Melos.Bench >/dev/null
melos() { dotnet src/Melos.Cli/bin/Release/net10.0/*/melos.dll "$@"; }
bench() { dotnet bench/Melos.Bench/bin/Release/net10.0/*/Melos.Bench.dll "$@"; }
step() { echo "== $(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1-3 /proc/loadavg))"; }
echo "# audio loop on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(date -u '+%Y-%m-%d %H:%M') UTC"

step "symbolic corpus"
melos corpus build "$d/nottingham/ABC_cleaned" --collection nottingham --out "$work/nottingham.corpus" --force "${LICENCES[@]}"

step "render the train split ($synth)"
rm -rf "$work/train"
limit=(); [ -n "${LIMIT:-}" ] && limit=(--limit "$LIMIT")
bench render-split "$work/nottingham.corpus" train "$work/train" --synth "$synth" --program "${PROGRAM:-73}" "${limit[@]}"
echo "audio: $(ls "$work/train/wav" | wc -l) files, $(du -sh "$work/train/wav" | cut -f1)"

step "corpus from the symbolic train tunes (MIDI)"
melos corpus build "$work/train/mid" --collection nottingham --valid 0 --test 0 --out "$work/symbolic-train.corpus" --force "${LICENCES[@]}"
step "corpus from the rendered train tunes (transcription)"
melos corpus build "$work/train/wav" --collection nottingham --valid 0 --test 0 --max-file-bytes 200000000 \
  --out "$work/audio-train.corpus" --force "${LICENCES[@]}"

for name in symbolic audio; do
  step "n-gram on the $name train tunes"
  melos train --corpus "$work/$name-train.corpus" --arch ngram --config bench/configs/note-ngram.json --out "$work/ngram-$name" --force
  melos evaluate --model "$work/ngram-$name" --corpus "$work/nottingham.corpus" --split test --json > "$work/ngram-$name.json"
done
if [ -z "${LIMIT:-}" ]; then
  step "n-gram on the symbolic corpus's own train split (round-trip check)"
  melos train --corpus "$work/nottingham.corpus" --arch ngram --config bench/configs/note-ngram.json --out "$work/ngram-direct" --force
  melos evaluate --model "$work/ngram-direct" --corpus "$work/nottingham.corpus" --split test --json > "$work/ngram-direct.json"
fi

if [ -n "${LSTM_STEPS:-}" ]; then # a small LSTM (bench/configs/loop-lstm.json), the same number of steps both ways
  export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
  for name in symbolic audio; do
    step "LSTM on the $name train tunes ($LSTM_STEPS steps)"
    melos train --corpus "$work/$name-train.corpus" --arch lstm --config bench/configs/loop-lstm.json --steps "$LSTM_STEPS" --out "$work/lstm-$name" --force
    melos evaluate --model "$work/lstm-$name" --corpus "$work/nottingham.corpus" --split test --json > "$work/lstm-$name.json"
  done
  # The LSTM is conditioned on chords, which transcriptions lack: the symbolic tunes again with every chord dropped.
  step "LSTM on the symbolic train tunes without chords ($LSTM_STEPS steps)"
  melos train --corpus "$work/symbolic-train.corpus" --arch lstm --config bench/configs/loop-lstm.json --steps "$LSTM_STEPS" \
    --chord-dropout 1 --out "$work/lstm-symbolic-nochords" --force
  melos evaluate --model "$work/lstm-symbolic-nochords" --corpus "$work/nottingham.corpus" --split test --json > "$work/lstm-symbolic-nochords.json"
fi

step "done"
for f in "$work"/ngram-*.json "$work"/lstm-*.json; do
  [ -f "$f" ] || continue
  printf '%-16s %s test melodies (%s skipped): %.4f bits/note\n' "$(basename "$f" .json)" \
    "$(jq .melodies "$f")" "$(jq .skipped "$f")" "$(jq .bitsPerNote "$f")"
done
s=$(jq .bitsPerNote "$work/ngram-symbolic.json"); a=$(jq .bitsPerNote "$work/ngram-audio.json")
ratio() { awk -v s="$2" -v a="$3" -v n="$1" 'BEGIN { r = a / s; printf "%s ratio audio / symbolic: %.4f (%+.1f%%; target within 10%%: %s)\n", n, r, 100 * (r - 1), (r <= 1.10 ? "met" : "not met") }'; }
ratio n-gram "$s" "$a"
[ -n "${LSTM_STEPS:-}" ] && ratio LSTM "$(jq .bitsPerNote "$work/lstm-symbolic.json")" "$(jq .bitsPerNote "$work/lstm-audio.json")"
[ -n "${LSTM_STEPS:-}" ] && ratio "LSTM (symbolic without chords)" "$(jq .bitsPerNote "$work/lstm-symbolic-nochords.json")" "$(jq .bitsPerNote "$work/lstm-audio.json")"
true
