"""The layer protocol, written here once, and the registry that save/load uses.

A layer is any object with these members; :class:`~mlpkit.network.Sequential` calls nothing else:

* ``forward(X, training=True) -> A`` — the layer's output for the batch X (rows are samples);
  caches what the backward pass needs. ``training=False`` at prediction (dropout off).
* ``backward(dA) -> dX`` — takes ``dA = ∂L/∂A`` (the shape of A), returns ``dX = ∂L/∂X`` (the
  shape of X) and fills the gradients. Like PyTorch's ``.grad``, gradients are written into the
  layer's existing ``dW``, ``db`` arrays (copy them to keep one step's values).
* ``parameters()`` / ``gradients()`` — lists in the same order ([] if none). ``param_names``
  names the attributes holding the parameters (("W", "b") for Dense); the gradient of
  attribute ``name`` is attribute ``"d" + name``. The base class derives both lists from it.
* ``penalty()`` / ``has_penalty()`` — what the layer adds to the loss (0.0 / False here).
* ``config()`` / ``from_config(config)`` — the architecture as plain JSON values and back
  (:mod:`mlpkit.persistence`); ``register`` makes a class loadable by its name.

Optional: a layer whose class sets ``skips_dX = True`` also accepts ``backward(dA, need_dX=False)``
and then returns None; Sequential uses it for its first layer, whose dX (the gradient with
respect to the data) is never used. Dense and Conv2D do; the base class does not.

A layer of your own subclasses :class:`Layer` (``Sequential`` sets ``index`` and ``label``):

```python
class Scale(Layer):
    '''A = X ⊙ s: one learned factor per column, s of shape (d,).'''
    param_names = ("s",)

    def __init__(self, d, name=None):
        self.d, self.name = d, name
        self.s, self.ds = np.ones(d), np.zeros(d)

    def forward(self, X, training=True):
        self.X = X
        return X * self.s

    def backward(self, dA):
        self.ds[...] = (dA * self.X).sum(axis=0)     # ∂L/∂s_j = Σ_i dA_ij X_ij
        return dA * self.s                           # ∂L/∂X = dA ⊙ s

    def config(self):
        return {"type": "Scale", "d": self.d, "name": self.name}
```
"""
from ._checks import layer_label

__all__ = ["Layer", "LAYERS", "register", "layer_from_config"]

#: Layer classes by name, for :func:`layer_from_config` (filled by :func:`register`).
LAYERS = {}


def register(cls):
    """Class decorator: make ``cls`` loadable by :func:`layer_from_config` under its class name."""
    LAYERS[cls.__name__] = cls
    return cls


def layer_from_config(config):
    """Rebuild one layer from its ``config()`` dict (weights zero until they are loaded).

    Raises
    ------
    ValueError
        For a type that no :func:`register` call has made known, listing the known ones.
    """
    kind = config.get("type")
    if kind not in LAYERS:
        raise ValueError(f"cannot load layer type {kind!r}; known: {', '.join(sorted(LAYERS))}. "
                         f"Decorate your layer class with @mlpkit.base.register (and import it) first.")
    return LAYERS[kind].from_config(config)


class Layer:
    """Base class: no parameters, no penalty; ``config()`` holds the type and the name."""

    name = None
    index = None       # position in a Sequential (1-based), set by the network, for messages
    param_names = ()   # attributes holding the trainable arrays, in the order of parameters()
    skips_dX = False   # True when backward accepts need_dX=False (see the module docstring)

    def forward(self, X, training=True):
        raise NotImplementedError

    def backward(self, dA):
        raise NotImplementedError

    def parameters(self):
        return [getattr(self, name) for name in self.param_names]

    def gradients(self):
        return [getattr(self, "d" + name) for name in self.param_names]

    def penalty(self):
        """Regularisation added to the loss by this layer (0 if none)."""
        return 0.0

    def has_penalty(self):
        """Does :meth:`penalty` add anything (a regulariser is set)?"""
        return False

    def config(self):
        """The constructor's arguments as JSON values, plus ``"type"`` (the class name)."""
        return {"type": type(self).__name__, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """``cls(**config)`` without ``"type"``; layers with weights override it (init="zeros")."""
        return cls(**{k: v for k, v in config.items() if k != "type"})

    @property
    def label(self):
        return layer_label(self, self.index)
