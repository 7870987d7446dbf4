"""Reads a `melos corpus export` folder: per split, flat int32 tokens, int64 offsets (tunes + 1) and int32 conditioning
[tokens, 5], memory-mapped so a corpus larger than memory trains."""
import json
import os

import numpy as np
import torch

IGNORE = -1


class ExportedCorpus:
    def __init__(self, directory):
        self.directory = directory
        with open(os.path.join(directory, "export.json")) as f:
            self.description = json.load(f)
        if self.description.get("formatVersion") != 1:
            raise ValueError(f"{directory}: export formatVersion {self.description.get('formatVersion')}; this package reads 1")
        with open(os.path.join(directory, "tokenizer.json")) as f:
            self.tokenizer = json.load(f)
        with open(os.path.join(directory, "conditioning.json")) as f:
            self.conditioning = json.load(f)
        self.vocabulary_size = self.description["vocabularySize"]
        self.pad = self.description["pad"]

    def split(self, name):
        return Split(self.directory, name)


class Split:
    """One split: tune i is tokens[offsets[i]:offsets[i+1]] with conditioning rows of the same range."""

    def __init__(self, directory, name):
        def load(suffix):
            path = os.path.join(directory, f"{name}.{suffix}.npy")
            try:
                return np.load(path, mmap_mode="r")
            except ValueError:  # an empty split: nothing to map
                return np.load(path)
        self.tokens, self.offsets, self.conditioning = load("tokens"), load("offsets"), load("conditioning")

    def __len__(self):
        return len(self.offsets) - 1

    def tune(self, i):
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return np.asarray(self.tokens[a:b], dtype=np.int64), np.asarray(self.conditioning[a:b], dtype=np.int64)

    def windows(self, max_sequence_length):
        """(tune, start, count) of every training window, as Melos's Trainer.Windows cuts them (one token shared between windows)."""
        size = max_sequence_length + 1
        out = []
        for i in range(len(self)):
            n = int(self.offsets[i + 1] - self.offsets[i])
            start = 0
            while start + 1 < n:
                count = min(size, n - start)
                if count < 2:
                    break
                out.append((i, start, count))
                start += size - 1
        return out

    def window(self, w):
        i, start, count = w
        tokens, cond = self.tune(i)
        return tokens[start:start + count], cond[start:start + count]


def batch(sequences, pad):
    """As Melos's TokenBatch.Create: inputs tokens[:-1] (PAD after the end), targets tokens[1:] (-1 after), the conditioning of each target."""
    length = max(len(t) for t, _ in sequences) - 1
    n = len(sequences)
    inputs = np.full((n, length), pad, dtype=np.int64)
    targets = np.full((n, length), IGNORE, dtype=np.int64)
    cond = np.zeros((n, length, 5), dtype=np.int64)
    for b, (t, c) in enumerate(sequences):
        k = len(t) - 1
        inputs[b, :k] = t[:-1]
        targets[b, :k] = t[1:]
        cond[b, :k] = c[1:]
    return torch.from_numpy(inputs), torch.from_numpy(targets), torch.from_numpy(cond)
