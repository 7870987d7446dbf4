"""Data-parallel training of a Melos model on a `melos corpus export` folder, launched with torchrun:

    torchrun --nproc_per_node N -m melos_torch.train --data EXPORT --arch lstm --out CKPT --steps 1000
    (or plain `python3 -m melos_torch.train ...` for one process)

Each step takes the next global batch of --batch-size windows (cut as Melos's trainer cuts them, in an order drawn
from --seed per epoch); rank r of W takes windows r, r+W, ... of it. The loss is the mean token NLL over the whole
global batch (summed across ranks), so the per-step loss does not depend on the process count; DDP averages the
gradients (gloo on CPU, NCCL on GPU). AdamW with Melos's schedule (linear warmup, cosine decay to a floor) and
gradient clipping. Rank 0 writes CKPT (config.json + model.safetensors), which `melos model import CKPT --out MODEL`
turns into a Melos model folder, and --log (one JSON line per step)."""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from . import checkpoint
from .data import ExportedCorpus, IGNORE, batch
from .models import ConditioningVocabulary, build, model_defaults

TRAINING_DEFAULTS = {"formatVersion": 1, "seed": 1234, "learningRate": 1e-3, "finalLearningRateRatio": 0.1, "weightDecay": 0.01,
                     "warmupSteps": 100, "maxSteps": 2000, "batchSize": 16, "maxSequenceLength": 256, "gradientClip": 1.0,
                     "evaluateEvery": 200, "checkpointEvery": 500, "patience": 5, "logEvery": 10, "bucketByLength": False}


def learning_rate_at(t, step):
    """Melos's TrainingConfig.LearningRateAt."""
    if step < t["warmupSteps"]:
        return t["learningRate"] * (step + 1) / t["warmupSteps"]
    progress = min(1.0, (step - t["warmupSteps"]) / max(1, t["maxSteps"] - t["warmupSteps"]))
    floor = t["learningRate"] * t["finalLearningRateRatio"]
    return floor + (t["learningRate"] - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="a folder from `melos corpus export`")
    p.add_argument("--out", required=True, help="the exchange folder to write (config.json, model.safetensors)")
    p.add_argument("--arch", choices=["lstm", "transformer"], help="a fresh model of this architecture (defaults as Melos's)")
    p.add_argument("--config", help="JSON with optional \"model\" and \"training\" objects over the defaults (as `melos train --config`)")
    p.add_argument("--init", help="start from the weights and model config of an exchange folder (e.g. `melos model export`)")
    p.add_argument("--steps", type=int, help="optimisation steps (training.maxSteps)")
    p.add_argument("--batch-size", type=int, help="global batch in windows, over all processes (training.batchSize)")
    p.add_argument("--seed", type=int, help="training.seed: initial weights and data order")
    p.add_argument("--log", help="write one JSON line per step (step, loss, tokens, lr) here (rank 0)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--force", action="store_true", help="replace an existing --out")
    a = p.parse_args(argv)
    if (a.arch is None) == (a.init is None):
        p.error("give exactly one of --arch (fresh weights) and --init (an exchange folder)")

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = a.device == "cuda" or (a.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    backend = "nccl" if use_cuda else "gloo"
    if world > 1:
        dist.init_process_group(backend)
    if rank == 0 and a.out and os.path.exists(a.out) and not a.force:
        raise SystemExit(f"error: {a.out} exists; pass --force to replace it")

    corpus = ExportedCorpus(a.data)
    overrides = {}
    if a.config:
        with open(a.config) as f:
            overrides = json.load(f)
    training = dict(TRAINING_DEFAULTS)
    training.update(overrides.get("training", {}))
    if a.steps is not None:
        training["maxSteps"] = a.steps
    if a.batch_size is not None:
        training["batchSize"] = a.batch_size
    if a.seed is not None:
        training["seed"] = a.seed
    if training["batchSize"] < world:
        raise SystemExit(f"error: a global batch of {training['batchSize']} windows cannot feed {world} processes")

    if a.init:
        model, config = checkpoint.load(a.init)
        if config["vocabularySize"] != corpus.vocabulary_size or config["pad"] != corpus.pad:
            raise SystemExit(f"error: {a.init} has vocabulary {config['vocabularySize']} (PAD {config['pad']}) but the export has {corpus.vocabulary_size} (PAD {corpus.pad}): export the corpus with --model")
        if config["tokenizer"] != corpus.tokenizer or ConditioningVocabulary(config["conditioning"]).sizes != corpus.description["conditioningSizes"]:
            raise SystemExit(f"error: {a.data} was exported with another tokenizer or conditioning vocabulary than {a.init}'s: export the corpus with --model")
    else:
        model_config = model_defaults(a.arch)
        model_config.update(overrides.get("model", {}))
        model_config["architecture"] = a.arch
        config = {"formatVersion": 1, "architecture": a.arch, "vocabularySize": corpus.vocabulary_size, "pad": corpus.pad,
                  "model": model_config, "tokenizer": corpus.tokenizer, "conditioning": corpus.conditioning}
        model = build(config, seed=training["seed"])
    model.to(device)
    net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[local_rank] if use_cuda else None) if world > 1 else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=training["learningRate"], weight_decay=training["weightDecay"])

    split = corpus.split("train")
    windows = split.windows(training["maxSequenceLength"])
    if len(windows) == 0:
        raise SystemExit("error: the export's train split is empty")
    global_batch = training["batchSize"]
    log = open(a.log, "w") if (a.log and rank == 0) else None
    order, epoch, cursor = None, -1, 0
    tokens_seen = 0
    loss_value = float("nan")
    started = time.time()
    for step in range(training["maxSteps"]):
        picked = []
        while len(picked) < global_batch:
            if order is None or cursor >= len(order):
                epoch += 1
                order = np.random.default_rng([training["seed"], epoch]).permutation(len(windows))
                cursor = 0
            take = min(global_batch - len(picked), len(order) - cursor)
            picked.extend(order[cursor:cursor + take].tolist())
            cursor += take
        mine = picked[rank::world]
        inputs, targets, cond = (t.to(device) for t in batch([split.window(windows[i]) for i in mine], corpus.pad))
        lr = learning_rate_at(training, step)
        for g in optimizer.param_groups:
            g["lr"] = lr
        torch.manual_seed(training["seed"] * 1_000_003 + step + 1 + 7919 * rank)  # dropout masks per step and rank
        net.train()
        optimizer.zero_grad(set_to_none=True)
        logits = net(inputs, cond)
        local_sum = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE, reduction="sum")
        stats = torch.tensor([local_sum.item(), float((targets != IGNORE).sum().item())], dtype=torch.float64, device=device)
        if world > 1:
            dist.all_reduce(stats)
        total_tokens = stats[1].item()
        # DDP averages gradients over the W processes: scaling by W makes the result the gradient of the global mean.
        (local_sum * (world / total_tokens)).backward()
        if training["gradientClip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), training["gradientClip"])
        optimizer.step()
        loss_value = stats[0].item() / total_tokens
        tokens_seen += int(total_tokens)
        if log:
            log.write(json.dumps({"step": step + 1, "loss": loss_value, "tokens": int(total_tokens), "lr": lr}) + "\n")
            log.flush()
        if rank == 0 and ((step + 1) % training["logEvery"] == 0 or step + 1 == training["maxSteps"]):
            print(f"step {step + 1}/{training['maxSteps']} loss {loss_value:.4f} lr {lr:.2e} ({time.time() - started:.0f} s)", flush=True)
    if log:
        log.close()
    if rank == 0:
        config["seed"] = training["seed"]
        config["training"] = training
        config["state"] = {"step": training["maxSteps"], "epoch": max(epoch, 0), "tokens": tokens_seen, "trainLoss": loss_value,
                           "stopReason": "completed"}
        config["metrics"] = {"step": training["maxSteps"], "tokens": tokens_seen, "trainLoss": loss_value}
        config["corpus"] = corpus.description.get("corpus")
        config["pytorch"] = {"producer": "melos_torch.train", "torch": torch.__version__, "processes": world, "backend": backend if world > 1 else "none",
                             "device": device.type, "seconds": round(time.time() - started, 1), "steps": training["maxSteps"]}
        checkpoint.save(a.out, model, config, "melos_torch.train", force=a.force)
        print(f"wrote {a.out}")
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
