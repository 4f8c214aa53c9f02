"""Layers: the dense (fully connected) layer; :class:`Dropout` and the :class:`Layer` base
class live in :mod:`mlpkit.dropout` and :mod:`mlpkit.base` and are re-exported here, so
``mk.layers.Dense``, ``mk.layers.Dropout`` and ``mk.layers.Layer`` all work.

Every layer follows the protocol written in :mod:`mlpkit.base`: ``forward(X)`` caches, ``backward(dA)``
returns ``dX`` and writes ``dW``, ``db`` in place.
"""
import numpy as np

from . import activations, init as initializers
from ._checks import check_input
from .base import Layer
from .dropout import Dropout

__all__ = ["Dense", "Dropout", "Layer"]


class Dense(Layer):
    """A fully connected layer ``A = g(X W + b)``, rows are samples.

    Parameters
    ----------
    n_in, n_out : int
        Number of input features d_in and of units d_out.
    activation : str or Activation, default "identity"
        Name in :data:`mlpkit.activations.ACTIVATIONS` ("sigmoid", "relu", "tanh", ...).
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
    Forward (eq. notation):  Z = X W + b,  A = g(Z).
    Backward, given dA = ∂L/∂A:

        dZ = dA ⊙ g'(Z)      (the layer's delta δ)
        dW = Xᵀ dZ           (n summed away: the loss already holds its 1/n)
        db = Σ_rows dZ
        dX = dZ Wᵀ
    """

    param_names = ("W", "b")

    def __init__(self, n_in, n_out, activation="identity", init="xavier_uniform", rng=None,
                 dtype=np.float64, name=None, kernel_regularizer=None, activity_regularizer=None):
        for arg, value in (("n_in", n_in), ("n_out", n_out)):
            if int(value) != value or value < 1:
                raise ValueError(f"Dense: {arg} must be a positive integer, got {value!r}")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.activation = activation          # the setter also binds the backward form
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"Dense: dtype must be a float type (float64 or float32), got {self.dtype}")
        self.name = name
        self.init_name = init if isinstance(init, str) else getattr(init, "__name__", "custom")
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
        self._bind_activation_backward()

    def _bind_activation_backward(self):
        """Pick, once, the form of dZ = dA ⊙ g'(·) this activation needs (A, Z or nothing)."""
        fn = self._activation.backward_fn
        if self._activation.uses == "A":
            self._activation_backward = lambda dA: fn(dA, self.A)
        elif self._activation.uses == "Z":
            self._activation_backward = lambda dA: fn(dA, self.Z)
        else:
            self._activation_backward = lambda dA: dA

    def __repr__(self):
        return (f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r}, "
                f"dtype={self.dtype.name}" + (f", name={self.name!r}" if self.name else "") + ")")

    def forward(self, X, training=True, check=True):
        """A = g(X W + b). Caches X, Z, A. ``check=False`` skips input validation (used by
        Sequential, which validates the batch once)."""
        if check:
            X = check_input(X, self.n_in, self.label, self.dtype)
        self.X = X
        self.Z = X @ self.W + self.b          # (n, d_in) @ (d_in, d_out) + (d_out,) broadcast over rows
        self.A = self._activation.fn(self.Z)
        return self.A

    def backward(self, dA, need_dX=True):
        """Given dA = ∂L/∂A (n, n_out): set dZ, dW, db and return dX = ∂L/∂X (n, n_in)
        (None when ``need_dX=False``)."""
        if self.X is None:
            raise RuntimeError(f"{self.label}: call forward before backward")
        if dA.shape != self.A.shape:
            raise ValueError(f"{self.label}: backward expects dA of shape {self.A.shape} "
                             f"(same as its output A), got {dA.shape}")
        if self.activity_regularizer is not None:
            dA = dA + self.activity_regularizer.gradient(self.A)
        return self.backward_from_dZ(self._activation_backward(dA), need_dX)

    def backward_from_dZ(self, dZ, need_dX=True):
        """Backward from the delta dZ = ∂L/∂Z directly (the fused softmax/sigmoid + CE path).

        ``need_dX=False`` skips dX = dZ Wᵀ for the first layer, whose input is the data
        (saves one of the three matrix products of the layer's backward).
        """
        self.dZ = dZ
        # Written into the layer's own dW and db (the layer protocol, mlpkit.base):
        np.matmul(self.X.T, dZ, out=self.dW)      # dW = Xᵀ dZ: (d_in, n) @ (n, d_out) sums over the batch
        np.add.reduce(dZ, axis=0, out=self.db)    # db = Σ_rows dZ
        if self.kernel_regularizer is not None:
            self.dW += self.kernel_regularizer.gradient(self.W)
        return dZ @ self.W.T if need_dX else None

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
        """Architecture (not weights) as plain values, for save/load."""
        return {"type": "Dense", "n_in": self.n_in, "n_out": self.n_out,
                "activation": self.activation.name, "dtype": self.dtype.name, "name": self.name}
