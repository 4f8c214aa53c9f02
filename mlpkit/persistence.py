"""Saving and loading a :class:`~mlpkit.network.Sequential` as one ``.npz`` file.

The file holds the architecture as JSON (``config``: :meth:`Sequential.config`, i.e. each
layer's ``config()``, the loss and its reduction, the metrics) and every parameter array as
``param_0, param_1, ...`` in the order of ``model.parameters()``. Nothing is pickled, so
loading a file runs no code from it. Layers are rebuilt through the registry of
:mod:`mlpkit.base` (``layer_from_config``); a layer class of your own is loadable once it is
decorated with ``@mlpkit.base.register``. This module imports the network; nothing imports it.
"""
import json

import numpy as np

from . import conv, layers  # noqa: F401  (importing them registers Dense, Dropout, Conv2D, MaxPool2D, Flatten)
from .base import layer_from_config
from .network import Sequential

__all__ = ["save", "load", "layer_from_config"]


def save(model, path):
    """Write ``model``'s architecture and weights to ``path`` (a ``.npz`` file)."""
    arrays = {f"param_{i}": p for i, p in enumerate(model.parameters())}
    np.savez(path, config=np.array(json.dumps(model.config())), **arrays)


def load(path, cls=Sequential):
    """Rebuild the network saved by :func:`save` (``cls``: Sequential or a subclass)."""
    with np.load(path, allow_pickle=False) as data:
        model = cls.from_config(json.loads(str(data["config"])))
        params = model.parameters()
        stored = sum(key.startswith("param_") for key in data.files)
        if stored != len(params):
            raise ValueError(f"{path}: the file holds {stored} parameter arrays but its architecture "
                             f"has {len(params)}; the file is damaged or was written by another program")
        for i, p in enumerate(params):
            p[...] = data[f"param_{i}"]
    return model
