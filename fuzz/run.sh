#!/usr/bin/env bash
# Fuzz one Melos reader with afl++ through SharpFuzz.
#   fuzz/run.sh TARGET SECONDS        TARGET: midi | abc | notes | audio
# Builds fuzz/Melos.Fuzz, instruments the Melos assemblies, runs afl-fuzz from fuzz/seeds/TARGET for SECONDS
# (bounded), prints afl's figures and every finding, and exits 1 when afl found a crash (2 on a setup failure).
# Environment: FUZZ_TIMEOUT_MS (afl -t, default 1000: a hang is an input over 1 s), FUZZ_OUT (default
# fuzz/findings/TARGET; emptied first), FUZZ_FAIL_ON_HANGS=1 to fail on confirmed hangs too, FUZZ_NICE (default 19).
# Saved hangs are replayed three times; only one that is slow (over 1 s) in a replay too counts as confirmed.
# Replay saved inputs without afl (uninstrumented build): dotnet fuzz/Melos.Fuzz/bin/Release/net10.0/linux-x64/Melos.Fuzz.dll TARGET FILE_OR_DIR
set -uo pipefail
cd "$(dirname "$0")/.."
target=${1:-}; seconds=${2:-}
case "$target" in midi|abc|notes|audio) ;; *) echo "usage: fuzz/run.sh midi|abc|notes|audio SECONDS" >&2; exit 2 ;; esac
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || { echo "usage: fuzz/run.sh $target SECONDS (a positive number)" >&2; exit 2; }
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz not found (apt-get install afl++)" >&2; exit 2; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

out=${FUZZ_OUT:-fuzz/findings/$target}
build=$out.build # instrumented copy, one per output folder so runs can overlap
timeout_ms=${FUZZ_TIMEOUT_MS:-1000}

# Build once per script run into a fresh folder (hard links to the build output), then instrument copies of the
# Melos assemblies: instrumenting in place would leave an instrumented dll for the next incremental build.
dotnet tool restore >/dev/null || { echo "fuzz: dotnet tool restore failed" >&2; exit 2; }
dotnet build fuzz/Melos.Fuzz -c Release -nologo -v q -clp:ErrorsOnly >/dev/null \
  || { dotnet build fuzz/Melos.Fuzz -c Release -nologo -v q -clp:ErrorsOnly; echo "fuzz: build failed" >&2; exit 2; }
bin=$(dirname "$(ls fuzz/Melos.Fuzz/bin/Release/net10.0/*/Melos.Fuzz.dll | head -1)")
# Native libraries are hard-linked (large, never rebuilt); managed files are copied, so a rebuild cannot change a running fuzzer's files.
rm -rf "$build" && mkdir -p "$build" "$(dirname "$out")" && cp -al "$bin"/. "$build"/ || { echo "fuzz: cannot stage $bin" >&2; exit 2; }
for f in "$build"/*.dll "$build"/*.json; do cp --remove-destination "$bin/$(basename "$f")" "$f"; done
dlls=(Melos.Music.dll Melos.Formats.dll melos.dll)
[ "$target" = audio ] && dlls+=(NLayer.dll NVorbis.dll) # the third-party decoders are fuzzed too
for dll in "${dlls[@]}"; do
  cp --remove-destination "$bin/$dll" "$build/$dll"
  dotnet tool run sharpfuzz "$build/$dll" >/dev/null || { echo "fuzz: sharpfuzz failed on $dll" >&2; exit 2; }
done

rm -rf "$out"
dict=(); [ "$target" != notes ] && dict=(-x "fuzz/dicts/$target.dict")
[ "$target" = notes ] && dict=(-x fuzz/dicts/midi.dict -x fuzz/dicts/abc.dict)
echo "fuzz: $target for $seconds s (afl -t $timeout_ms ms, allocation limit 64 MB per input), output $out"
start=$(date +%s)
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_TieredPGO=0 \
  timeout --kill-after=30 $((seconds + 120)) nice -n "${FUZZ_NICE:-19}" \
  afl-fuzz -i "fuzz/seeds/$target" -o "$out" "${dict[@]}" -t "$timeout_ms" -m none -V "$seconds" \
  -- dotnet "$build/Melos.Fuzz.dll" "$target" > "$out.log" 2>&1
rc=$?
stats="$out/default/fuzzer_stats"
if [ ! -f "$stats" ]; then echo "fuzz: afl-fuzz did not start (exit $rc); its log:"; tail -30 "$out.log"; exit 2; fi
get() { awk -F: -v k="$1" '{gsub(/ /,"",$1)} $1==k {gsub(/^ +/,"",$2); print $2}' "$stats"; }
crashes=$(get saved_crashes); hangs=$(get saved_hangs)
echo "fuzz: $target: $(get execs_done) executions in $(( $(date +%s) - start )) s ($(get execs_per_sec) per second on average), \
$(get corpus_count) inputs in the queue, edges $(get edges_found)/$(get total_edges) ($(get bitmap_cvg)), $crashes crashes, $hangs hangs"
shopt -s nullglob
for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
  echo "fuzz: finding $f ($(stat -c %s "$f") bytes): $(head -c 64 "$f" | od -An -c | tr -s ' \n' ' ' | head -c 160)"
done
# A saved hang is an input that ran over the timeout once, under afl, niced, on a shared machine: replay each three times
# (uninstrumented, after the same warm-up) and count it only when a replay takes over 1 s too.
confirmed=0
if [ "${hangs:-0}" -gt 0 ]; then
  for f in "$out"/default/hangs/id:*; do
    slow=0
    for i in 1 2 3; do dotnet "$bin/Melos.Fuzz.dll" "$target" "$f" | grep -q '^SLOW' && slow=1; done
    if [ $slow = 1 ]; then confirmed=$((confirmed + 1)); echo "fuzz: hang confirmed: $f"; else echo "fuzz: hang not reproduced in 3 replays (a stall of the machine): $f"; fi
  done
  echo "fuzz: $target: $confirmed of $hangs hangs confirmed"
fi
if [ "${crashes:-0}" -gt 0 ]; then
  echo "fuzz: replaying the crashes:"
  dotnet "$bin/Melos.Fuzz.dll" "$target" "$out/default/crashes" | grep -v '^   at ' | head -40
  exit 1
fi
if [ "${FUZZ_FAIL_ON_HANGS:-0}" = 1 ] && [ "$confirmed" -gt 0 ]; then exit 1; fi
exit 0
