"""The Melos LSTM and relative-attention Transformer in PyTorch, module for module: the state-dict keys are those of
Melos.Models (LstmModel.cs, TransformerModel.cs), so weights move both ways unchanged."""
import json
import math
from fractions import Fraction

import torch
import torch.nn.functional as F
from torch import nn

# "architecture" comes first: Melos reads it as the JSON type discriminator, which must lead the object.
LSTM_DEFAULTS = {"architecture": "lstm", "formatVersion": 1, "embeddingSize": 64, "layers": 2, "hidden": 256, "dropout": 0.2,
                 "conditioning": "Sum", "attention": False, "attentionLength": 40, "lookback": False}
TRANSFORMER_DEFAULTS = {"architecture": "transformer", "formatVersion": 1, "layers": 4, "width": 256, "heads": 8, "feedForward": 1024,
                        "dropout": 0.1, "maxRelativeDistance": 512, "conditioning": "Sum"}


def model_defaults(architecture):
    """The defaults of Melos's LstmConfig / TransformerConfig."""
    if architecture == "lstm":
        return dict(LSTM_DEFAULTS)
    if architecture == "transformer":
        return dict(TRANSFORMER_DEFAULTS)
    raise ValueError(f"architecture '{architecture}' is not lstm or transformer")


def _camel(d):
    return {k[0].lower() + k[1:]: v for k, v in d.items()}


class ConditioningVocabulary:
    """The sizes and meters of a Melos conditioning.json (chord, position, meter, key, style)."""

    def __init__(self, obj):
        obj = _camel(obj)
        self.steps_per_quarter = obj["stepsPerQuarter"]
        self.meters = list(obj["meters"])
        self.styles = list(obj["styles"])
        self.sizes = [1 + 12 * 7, obj["maxBarSteps"], 1 + len(self.meters), 25, 1 + len(self.styles)]

    def bar_steps(self):
        """Bar length in grid steps per meter id (id 0 and unknown ids: 4/4), as ConditioningVocabulary.BarSteps."""
        def steps(m):
            num, den = (int(x) for x in m.split("/"))
            return max(1, math.floor(Fraction(4 * num, den) * self.steps_per_quarter))
        return [steps("4/4")] + [steps(m) for m in self.meters]


class ConditioningEmbedding(nn.Module):
    def __init__(self, vocab, size, concat):
        super().__init__()
        self.chord = nn.Embedding(vocab.sizes[0], size)
        self.position = nn.Embedding(vocab.sizes[1], size)
        self.meter = nn.Embedding(vocab.sizes[2], size)
        self.key = nn.Embedding(vocab.sizes[3], size)
        self.style = nn.Embedding(vocab.sizes[4], size)
        self.concat = concat
        self.output_size = 5 * size if concat else size

    def forward(self, cond):
        parts = [self.chord(cond[..., 0]), self.position(cond[..., 1]), self.meter(cond[..., 2]), self.key(cond[..., 3]), self.style(cond[..., 4])]
        return torch.cat(parts, -1) if self.concat else parts[0] + parts[1] + parts[2] + parts[3] + parts[4]


class LstmModel(nn.Module):
    """Melos.Models.LstmModel: token (+ conditioning) embedding, optional lookback inputs, LSTM, optional attention, head."""

    def __init__(self, config, vocabulary_size, pad, vocab):
        super().__init__()
        self.config = config
        self.pad = pad
        e, h = config["embeddingSize"], config["hidden"]
        self.embedding = nn.Embedding(vocabulary_size, e)
        width = e
        mode = config["conditioning"]
        self.conditioning = None
        if mode != "None":
            self.conditioning = ConditioningEmbedding(vocab, e, mode == "Concat")
            if mode == "Concat":
                width += self.conditioning.output_size
        if config["lookback"]:
            width += 2 * e + 2
            self.register_buffer("bar_steps", torch.tensor(vocab.bar_steps(), dtype=torch.long), persistent=False)
        layers = config["layers"]
        self.lstm = nn.LSTM(width, h, layers, batch_first=True, dropout=config["dropout"] if layers > 1 else 0.0)
        self.dropout = nn.Dropout(config["dropout"])
        if config["attention"]:
            self.attentionKeys = nn.Linear(h, h, bias=False)
            self.attentionQuery = nn.Linear(h, h)
            self.attentionScore = nn.Linear(h, 1, bias=False)
            self.attentionOut = nn.Linear(2 * h, h)
        self.head = nn.Linear(h, vocabulary_size)

    def _lookback(self, tokens, cond):
        b, t = tokens.shape
        bar = self.bar_steps[cond[..., 2].clamp(0, len(self.bar_steps) - 1)]  # [B, T]
        pos = torch.arange(t, device=tokens.device).unsqueeze(0).expand(b, t)
        one, two = pos + 1 - bar, pos + 1 - 2 * bar
        pad = torch.full_like(tokens, self.pad)
        lb1 = torch.where(one >= 0, tokens.gather(1, one.clamp(min=0)), pad)
        lb2 = torch.where(two >= 0, tokens.gather(1, two.clamp(min=0)), pad)
        back1, back2 = pos - bar, pos - 2 * bar
        r1 = ((back1 >= 0) & (tokens == tokens.gather(1, back1.clamp(min=0)))).float()
        r2 = ((back2 >= 0) & (tokens == tokens.gather(1, back2.clamp(min=0)))).float()
        return lb1, lb2, torch.stack([r1, r2], -1)

    def forward(self, tokens, cond):
        x = self.embedding(tokens)
        if self.conditioning is not None:
            c = self.conditioning(cond)
            x = torch.cat([x, c], -1) if self.conditioning.concat else x + c
        if self.config["lookback"]:
            lb1, lb2, flags = self._lookback(tokens, cond)
            x = torch.cat([x, self.embedding(lb1), self.embedding(lb2), flags], -1)
        out, _ = self.lstm(x)
        if self.config["attention"]:
            out = self._attend(out)
        return self.head(self.dropout(out))

    def _attend(self, h):
        length = h.shape[1]
        n = self.config["attentionLength"]
        keys = self.attentionKeys(h)
        query = self.attentionQuery(h).unsqueeze(2)
        k3 = torch.stack([F.pad(keys, (0, 0, k, 0))[:, :length] for k in range(1, n + 1)], 2)
        v3 = torch.stack([F.pad(h, (0, 0, k, 0))[:, :length] for k in range(1, n + 1)], 2)
        scores = self.attentionScore(torch.tanh(k3 + query)).squeeze(-1)
        positions = torch.arange(length, device=h.device).unsqueeze(1)
        offsets = torch.arange(1, n + 1, device=h.device).unsqueeze(0)
        weights = scores.masked_fill((positions - offsets) < 0, -1e9).softmax(-1)
        context = (weights.unsqueeze(-1) * v3).sum(2)
        return torch.tanh(self.attentionOut(torch.cat([h, context], -1)))


class RelativeDecoderLayer(nn.Module):
    """Pre-layer-norm block with Music Transformer relative self-attention (skewing) and a feed-forward layer."""

    def __init__(self, config):
        super().__init__()
        w = config["width"]
        self.heads = config["heads"]
        self.head_width = w // self.heads
        self.max_distance = config["maxRelativeDistance"]
        self.norm1 = nn.LayerNorm(w)
        self.norm2 = nn.LayerNorm(w)
        self.query = nn.Linear(w, w)
        self.key = nn.Linear(w, w)
        self.value = nn.Linear(w, w)
        self.output = nn.Linear(w, w)
        self.ff1 = nn.Linear(w, config["feedForward"])
        self.ff2 = nn.Linear(config["feedForward"], w)
        self.relative = nn.Parameter(torch.randn(self.max_distance, self.head_width) * (1.0 / math.sqrt(self.head_width)))
        self.dropout = nn.Dropout(config["dropout"])

    def _split(self, x):
        return x.view(x.shape[0], x.shape[1], self.heads, self.head_width).transpose(1, 2)

    def _merge(self, x):
        return x.transpose(1, 2).contiguous().view(x.shape[0], x.shape[2], self.heads * self.head_width)

    def _rows(self, count):
        r = torch.arange(count, device=self.relative.device)
        index = self.max_distance - 1 - torch.clamp(count - 1 - r, max=self.max_distance - 1)
        return self.relative.index_select(0, index)

    @staticmethod
    def skewed_logits(q, rows):
        b, h, t = q.shape[0], q.shape[1], q.shape[2]
        padded = q.matmul(torch.cat([rows.new_zeros(1, rows.shape[1]), rows], 0).t())  # [B, H, T, T+1]
        return padded.reshape(b, h, t + 1, t)[:, :, 1:, :]

    def forward(self, x):
        t = x.shape[1]
        hn = self.norm1(x)
        q = self._split(self.query(hn)) * (1.0 / math.sqrt(self.head_width))
        k = self._split(self.key(hn))
        v = self._split(self.value(hn))
        srel = self.skewed_logits(q, self._rows(t))
        mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        scores = q.matmul(k.transpose(-2, -1)) + srel
        weights = scores.masked_fill(mask, float("-inf")).softmax(-1)
        x = x + self.dropout(self.output(self._merge(weights.matmul(v))))
        return x + self.dropout(self.ff2(F.relu(self.ff1(self.norm2(x)))))


class TransformerModel(nn.Module):
    """Melos.Models.TransformerModel: scaled token embedding plus summed conditioning, relative decoder layers, norm, head."""

    def __init__(self, config, vocabulary_size, pad, vocab):
        super().__init__()
        self.config = config
        self.pad = pad
        w = config["width"]
        self.embedding = nn.Embedding(vocabulary_size, w)
        self.conditioning = ConditioningEmbedding(vocab, w, False) if config["conditioning"] != "None" else None
        self.dropout = nn.Dropout(config["dropout"])
        self.layers = nn.ModuleList([RelativeDecoderLayer(config) for _ in range(config["layers"])])
        self.norm = nn.LayerNorm(w)
        self.head = nn.Linear(w, vocabulary_size)

    def forward(self, tokens, cond):
        x = self.embedding(tokens) * math.sqrt(self.config["width"])
        if self.conditioning is not None:
            x = x + self.conditioning(cond)
        x = self.dropout(x)
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x))


def build(config_json, seed=None):
    """The model a Melos checkpoint config.json (dict or path) describes, with fresh weights (seeded when seed is given)."""
    if isinstance(config_json, str):
        with open(config_json) as f:
            config_json = json.load(f)
    if config_json.get("formatVersion") != 1:
        raise ValueError(f"config formatVersion {config_json.get('formatVersion')}; this package reads 1")
    arch = config_json["architecture"]
    config = model_defaults(arch)
    config.update(config_json["model"])
    if config["architecture"] != arch:
        raise ValueError(f"config.json says architecture {arch} but its model is {config['architecture']}")
    vocab = ConditioningVocabulary(config_json["conditioning"])
    if seed is not None:
        torch.manual_seed(seed)
    cls = LstmModel if arch == "lstm" else TransformerModel
    return cls(config, config_json["vocabularySize"], config_json["pad"], vocab)
