"""Fresh, seeded PyTorch weights for a Melos config.json, written as an exchange folder `melos model import` reads:
python3 -m melos_torch.init --config config.json --seed 7 --out DIR"""
import argparse
import json

from . import checkpoint
from .models import build


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--config", required=True, help="a Melos config.json (from a model or exchange folder)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--force", action="store_true")
    a = p.parse_args(argv)
    with open(a.config) as f:
        config = json.load(f)
    model = build(config, seed=a.seed)
    config["seed"] = a.seed
    config["state"] = None
    config["pytorch"] = {"producer": "melos_torch.init", "seed": a.seed}
    checkpoint.save(a.out, model, config, "melos_torch.init", force=a.force)
    print(f"wrote {a.out}: {config['architecture']}, {sum(p.numel() for p in model.parameters())} weights")


if __name__ == "__main__":
    main()
