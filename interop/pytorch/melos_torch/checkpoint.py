"""Exchange folders: config.json (a Melos checkpoint configuration) and model.safetensors (state-dict keys)."""
import json
import os
import shutil
import tempfile

from . import safetensors_io
from .models import build

WEIGHTS = "model.safetensors"


def load(directory, map_location="cpu"):
    """The model of an exchange folder (from `melos model export` or this package), with its weights, and its config."""
    with open(os.path.join(directory, "config.json")) as f:
        config = json.load(f)
    model = build(config)
    tensors, meta = safetensors_io.load(os.path.join(directory, WEIGHTS))
    declared = meta.get("melos.architecture")
    if declared and declared != config["architecture"]:
        raise ValueError(f"{directory}: weights of a {declared} but config.json describes a {config['architecture']}")
    import torch
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
    model.load_state_dict(state, strict=True)
    return model.to(map_location), config


def save(directory, model, config, producer, force=False):
    """Writes config.json and model.safetensors atomically (a temporary sibling renamed into place)."""
    directory = os.path.abspath(directory)
    if os.path.exists(directory) and not force:
        raise FileExistsError(f"{directory} exists; pass --force to replace it")
    parent = os.path.dirname(directory)
    os.makedirs(parent, exist_ok=True)
    temp = tempfile.mkdtemp(prefix="." + os.path.basename(directory) + ".tmp-", dir=parent)
    state = {k: v.detach().float().cpu() for k, v in model.state_dict().items()}
    safetensors_io.save(os.path.join(temp, WEIGHTS), state,
                        {"format": "pt", "melos.architecture": config["architecture"], "melos.producer": producer})
    with open(os.path.join(temp, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    if os.path.exists(directory):
        shutil.rmtree(directory)
    os.rename(temp, directory)
