#!/usr/bin/env bash
# Export -> torchrun training -> import -> generate, in one go. See docs/scale.md.
#
#   interop/pytorch/roundtrip.sh CORPUS WORKDIR [NPROC] [STEPS]
#
# CORPUS   a corpus file from `melos corpus build`
# WORKDIR  where to write: data/ (the export), checkpoint/ (PyTorch's), model/ (the Melos model), generated/
# NPROC    processes per node for torchrun (default 2; on a GPU node, one per GPU)
# STEPS    optimisation steps (default 200)
#
# Environment: MELOS (the melos command, default `melos`), TORCHRUN (default /usr/bin/torchrun), ARCH (lstm or
# transformer, default lstm), CONFIG (a JSON with "model" and "training" objects, as `melos train --config`),
# TOKENIZER (grid, note or whole-tune, default note), BATCH (global batch in windows, default 16), SEED (default 1234),
# TORCHRUN_ARGS (torchrun's rendezvous options; default "--standalone --redirects 1 --tee 1": one node; the redirect
# options work around torch 1.13's torchrun on Python 3.11 (Debian 12), which cannot parse its own default "0"; on a
# cluster e.g. "--nnodes 4 --rdzv_backend c10d --rdzv_endpoint HOST:29400").
set -euo pipefail
if [ $# -lt 2 ]; then sed -n '2,19p' "$0"; exit 2; fi
CORPUS=$1
WORK=$2
NPROC=${3:-2}
STEPS=${4:-200}
MELOS=${MELOS:-melos}
TORCHRUN=${TORCHRUN:-/usr/bin/torchrun}
HERE=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$HERE${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$WORK"

echo "== 1. export the corpus (tokens, offsets, conditioning as .npy)"
$MELOS corpus export "$CORPUS" --out "$WORK/data" --tokenizer "${TOKENIZER:-note}" --force

echo "== 2. train with $NPROC processes (DDP: gloo on CPU, NCCL on GPU)"
$TORCHRUN ${TORCHRUN_ARGS:---standalone --redirects 1 --tee 1} --nproc_per_node "$NPROC" -m melos_torch.train \
  --data "$WORK/data" --arch "${ARCH:-lstm}" ${CONFIG:+--config "$CONFIG"} \
  --steps "$STEPS" --batch-size "${BATCH:-16}" --seed "${SEED:-1234}" \
  --log "$WORK/train-log.jsonl" --out "$WORK/checkpoint" --force

echo "== 3. import the checkpoint as a Melos model (shapes and values checked)"
$MELOS model import "$WORK/checkpoint" --out "$WORK/model" --force

echo "== 4. generate with it"
$MELOS generate --model "$WORK/model" --bars 4 --count 2 --seed 1 --formats mid,abc --out "$WORK/generated" --force
echo "done: $WORK/model, $WORK/generated"
