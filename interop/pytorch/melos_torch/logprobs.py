"""Next-token log-probabilities of a model on tunes of an exported split, for parity checks:
python3 -m melos_torch.logprobs --model EXCHANGE_DIR --data EXPORT_DIR --split test --limit 100 --out logp.npy
writes float32 [sum over tunes of (tokens - 1), vocabulary]: tune by tune, the log-softmax after each input token."""
import argparse

import numpy as np
import torch

from . import checkpoint
from .data import ExportedCorpus, batch


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--split", default="test")
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--batch-size", type=int, default=16)
    a = p.parse_args(argv)
    model, config = checkpoint.load(a.model)
    model.eval()
    corpus = ExportedCorpus(a.data)
    split = corpus.split(a.split)
    n = len(split) if a.limit <= 0 else min(a.limit, len(split))
    rows = [None] * n
    tunes = [split.tune(i) for i in range(n)]
    with torch.no_grad():
        # Batches of tunes, right-padded: the models are causal, so padding after a tune does not change its positions.
        # Tunes of similar length share a batch, so little is padding; rows go back in the tunes' order.
        order = sorted(range(n), key=lambda i: len(tunes[i][0]))
        for start in range(0, n, a.batch_size):
            chunk = order[start:start + a.batch_size]
            inputs, _, cond = batch([tunes[i] for i in chunk], config["pad"])
            logp = model(inputs, cond).log_softmax(-1).float().numpy()
            for j, i in enumerate(chunk):
                rows[i] = logp[j, :len(tunes[i][0]) - 1]
    np.save(a.out, np.concatenate(rows, 0).astype(np.float32))
    print(f"{n} tunes, {sum(len(r) for r in rows)} positions -> {a.out}")


if __name__ == "__main__":
    main()
