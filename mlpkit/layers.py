"""Layers: the dense (fully connected) layer; :class:`Dropout` and the :class:`Layer` base
class live in :mod:`mlpkit.dropout` and :mod:`mlpkit.base` and are re-exported here, so
``mk.layers.Dense``, ``mk.layers.Dropout`` and ``mk.layers.Layer`` all work.

Every layer follows the protocol written in :mod:`mlpkit.base`: ``forward(X)`` caches, ``backward(dA)``
returns ``dX`` and writes ``dW``, ``db`` in place.
"""
import numpy as np

from . import activations, init as initializers, regularizers
from ._checks import ShapeError, check_input
from .base import Layer, register
from .dropout import Dropout

__all__ = ["Dense", "Dropout", "Layer"]


@register
class Dense(Layer):
    """A fully connected layer ``A = g(X W + b)``, rows are samples.

    Parameters
    ----------
    n_in, n_out : int
        Number of input features d_in and of units d_out.
    activation : str or Activation, default "identity"
        Name in :data:`mlpkit.activations.ACTIVATIONS` ("sigmoid", "relu", "tanh", ...), or an
        Activation with parameters: ``mk.activations.get("leaky_relu", alpha=0.2)``.
    init : str or callable, default "xavier_uniform"
        Weight initialiser from :mod:`mlpkit.init`; biases start at zero.
    rng : numpy.random.Generator
        Source of the initial weights (required unless ``init="zeros"``).
    dtype : numpy dtype, default float64
        float64 for teaching and checks, float32 for speed. One dtype per layer.
    name : str, optional
    kernel_regularizer, activity_regularizer : optional
        From :mod:`mlpkit.regularizers` (L1, L2 on W; ActivityL2 on A).

    Attributes
    ----------
    W : ndarray (n_in, n_out)
    b : ndarray (n_out,)
    dW, db : gradients of the loss, same shapes, set by :meth:`backward`
    X, Z, A, dZ : cached arrays of the last forward/backward pass, shape (n, ·)

    Notes
    -----
    Forward (``eq-ch03-layer``):  Z = X W + b,  A = g(Z).
    Backward, given dA = ∂L/∂A: steps 1–3 of chapter 8's algorithm box (``ch08-algorithm``,
    ``eq-ch08-out``, ``eq-ch08-hidden``; one layer alone: ``eq-ch07-layer``):

        1. dZ = dA ⊙ g'(Z)      (the layer's delta δ)
        2. dW = Xᵀ dZ           (n summed away: the loss already holds its 1/n),  db = Σ_rows dZ
        3. dX = dZ Wᵀ
    """

    param_names = ("W", "b")
    skips_dX = True

    def __init__(self, n_in, n_out, activation="identity", init="xavier_uniform", rng=None,
                 dtype=np.float64, name=None, kernel_regularizer=None, activity_regularizer=None):
        for arg, value in (("n_in", n_in), ("n_out", n_out)):
            if int(value) != value or value < 1:
                raise ValueError(f"Dense: {arg} must be a positive integer, got {value!r}")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation = activation          # a name or an Activation (activations.get)
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"Dense: dtype must be a float type (float64 or float32), got {self.dtype}")
        self.name = name
        self.W = np.ascontiguousarray(initializers.get(init)(self.n_in, self.n_out, rng=rng, dtype=self.dtype))
        self.b = np.zeros(self.n_out, dtype=self.dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.kernel_regularizer = kernel_regularizer
        self.activity_regularizer = activity_regularizer
        self.X = self.Z = self.A = self.dZ = None

    @property
    def activation(self):
        """The layer's :class:`~mlpkit.activations.Activation` (assign a name or an Activation)."""
        return self._activation

    @activation.setter
    def activation(self, value):
        self._activation = activations.get(value)

    def __repr__(self):
        return (f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}, "
                f"dtype={self.dtype.name}" + (f", name={self.name!r}" if self.name else "") + ")")

    def forward(self, X, training=True):
        """A = g(X W + b) (``eq-ch03-layer``); caches X, Z, A.

        The O(1) checks (2-D, n_in columns, the layer's dtype) are always made; that X holds no
        NaN or inf is checked once per batch by the network (``Sequential.check_X``), not here.
        """
        if type(X) is not np.ndarray or X.ndim != 2 or X.shape[1] != self.n_in or X.dtype is not self.dtype:
            X = check_input(X, self.n_in, self.label, self.dtype, finite=False)
        self.X = X
        self.Z = X @ self.W + self.b          # (n, d_in) @ (d_in, d_out) + (d_out,) broadcast over rows
        self.A = self._activation.fn(self.Z)
        return self.A

    def backward(self, dA, need_dX=True):
        """Given dA = ∂L/∂A (n, n_out): steps 1–3 of the backward pass (``ch08-algorithm``).

        Sets dZ, dW, db and returns dX = ∂L/∂X (n, n_in), or None when ``need_dX=False``.
        """
        if self.X is None:
            raise RuntimeError(f"{self.label}: call forward before backward")
        if dA.shape != self.A.shape:
            raise ShapeError(f"{self.label}: backward expects dA of shape {self.A.shape} (the shape of its "
                             f"output A), got {dA.shape}. Pass ∂L/∂A for the batch of the last forward pass.")
        if self.activity_regularizer is not None:
            dA = dA + self.activity_regularizer.gradient(self.A)
        dZ = self._activation.backward(dA, self.Z, self.A)     # 1. δ = dA ⊙ g'(Z)
        return self.backward_from_dZ(dZ, need_dX)              # 2.–3.

    def backward_from_dZ(self, dZ, need_dX=True):
        """Steps 2–3 from the delta dZ = ∂L/∂Z itself (also the fused softmax/sigmoid + CE start).

        ``need_dX=False`` skips dX = dZ Wᵀ for the first layer, whose input is the data
        (saves one of the three matrix products of the layer's backward).
        """
        self.dZ = dZ
        # Written into the layer's own dW and db (the layer protocol, mlpkit.base):
        np.matmul(self.X.T, dZ, out=self.dW)      # 2. dW = A_prevᵀ δ: (d_in, n) @ (n, d_out) sums over the batch
        np.add.reduce(dZ, axis=0, out=self.db)    #    db = Σ_rows δ
        if self.kernel_regularizer is not None:
            self.dW += self.kernel_regularizer.gradient(self.W)
        return dZ @ self.W.T if need_dX else None  # 3. dA_prev = δ Wᵀ

    def parameters(self):                 # the base class's, spelled out: called on every step
        return [self.W, self.b]

    def gradients(self):
        return [self.dW, self.db]

    def has_penalty(self):
        return self.kernel_regularizer is not None or self.activity_regularizer is not None

    def penalty(self):
        total = 0.0
        if self.kernel_regularizer is not None:
            total += self.kernel_regularizer.penalty(self.W)
        if self.activity_regularizer is not None and self.A is not None:
            total += self.activity_regularizer.penalty(self.A)
        return total

    def config(self):
        """Architecture (not weights) as plain values: the constructor's arguments."""
        reg = lambda r: None if r is None else r.config()
        return {"type": "Dense", "n_in": self.n_in, "n_out": self.n_out, "activation": self.activation.config(),
                "dtype": self.dtype.name, "name": self.name, "kernel_regularizer": reg(self.kernel_regularizer),
                "activity_regularizer": reg(self.activity_regularizer)}

    @classmethod
    def from_config(cls, config):
        """A layer with this architecture and zero weights (load the weights after)."""
        c = dict(config)
        c.pop("type", None)
        for key in ("kernel_regularizer", "activity_regularizer"):
            c[key] = regularizers.get(c.get(key))
        return cls(init="zeros", **c)
