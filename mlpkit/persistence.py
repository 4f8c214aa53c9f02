"""Saving and loading a :class:`~mlpkit.network.Sequential` as one ``.npz`` file.

The file holds the architecture as JSON (``config``: each layer's ``config()``, the loss and
its reduction, the metrics) and every parameter array as ``param_0, param_1, ...`` in the order
of ``model.parameters()``. Nothing is pickled, so loading a file runs no code from it.
"""
import json

import numpy as np

from . import losses as losses_mod

__all__ = ["save", "load", "layer_from_config"]


def save(model, path):
    """Write ``model``'s architecture and weights to ``path`` (a ``.npz`` file)."""
    config = {"layers": [layer.config() for layer in model.layers], "loss": model.loss_fn.name,
              "reduction": getattr(model.loss_fn, "reduction", None), "metrics": list(model.metrics)}
    arrays = {f"param_{i}": p for i, p in enumerate(model.parameters())}
    np.savez(path, config=np.array(json.dumps(config)), **arrays)


def layer_from_config(c):
    """Rebuild one layer from its ``config()`` dict (weights zero until they are loaded)."""
    from .conv import Conv2D, Flatten, MaxPool2D
    from .layers import Dense, Dropout

    kind = c.get("type")
    if kind == "Dense":
        return Dense(c["n_in"], c["n_out"], activation=c["activation"], init="zeros",
                     dtype=np.dtype(c["dtype"]), name=c["name"])
    if kind == "Dropout":
        return Dropout(c["rate"], name=c["name"])
    if kind == "Conv2D":
        return Conv2D(c["in_channels"], c["out_channels"], c["kernel_size"], activation=c["activation"],
                      init="zeros", dtype=np.dtype(c["dtype"]), name=c["name"])
    if kind == "MaxPool2D":
        return MaxPool2D(c["pool_size"], name=c["name"])
    if kind == "Flatten":
        return Flatten(name=c["name"])
    raise ValueError(f"cannot load layer type {kind!r}; known: Dense, Dropout, Conv2D, MaxPool2D, Flatten")


def load(path, cls=None):
    """Rebuild the network saved by :func:`save` (``cls`` defaults to Sequential)."""
    if cls is None:
        from .network import Sequential as cls
    with np.load(path, allow_pickle=False) as data:
        config = json.loads(str(data["config"]))
        layers = [layer_from_config(c) for c in config["layers"]]
        loss_kwargs = {"reduction": config["reduction"]} if config.get("reduction") else {}
        model = cls(layers, loss=losses_mod.get(config["loss"], **loss_kwargs), metrics=config["metrics"])
        params = model.parameters()
        stored = sum(key.startswith("param_") for key in data.files)
        if stored != len(params):
            raise ValueError(f"{path}: the file holds {stored} parameter arrays but its architecture "
                             f"has {len(params)}; the file is damaged or was written by another program")
        for i, p in enumerate(params):
            p[...] = data[f"param_{i}"]
    return model
