"""Layers: a dense (fully connected) layer and inverted dropout.

The layer protocol, shared with :mod:`mlpkit.conv`:

* ``forward(X, training=True) -> A`` caches what the backward pass needs;
* ``backward(dA) -> dX`` takes ``∂L/∂A`` and returns ``∂L/∂X``, filling the gradients. Like
  PyTorch's ``.grad``, the gradients are written into the layer's existing ``dW``, ``db``
  arrays, so no step allocates them anew: copy them if you want to keep one step's values;
* ``parameters()`` / ``gradients()`` return lists in the same order ([] if none);
  ``param_names`` names the attributes that hold the parameters (("W", "b") for Dense).
"""
import numpy as np

from . import activations, init as initializers
from ._checks import check_input, layer_label

__all__ = ["Dense", "Dropout", "Layer"]


class Layer:
    """Base class: a layer with no parameters passes gradients through unchanged."""

    name = None
    index = None  # position in a Sequential, set by the network (for messages)
    param_names = ()  # attributes holding the trainable arrays, in the order of parameters()

    def forward(self, X, training=True):
        raise NotImplementedError

    def backward(self, dA, need_dX=True):
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

    @property
    def label(self):
        return layer_label(self, self.index)


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
        # Written into the layer's own dW and db (see the layer protocol above):
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


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``rate`` and scale
    the survivors by 1/(1 − rate), so E[output] = input; identity when ``training=False``.

    Parameters
    ----------
    rate : float in [0, 1)
    rng : numpy.random.Generator
        Draws the mask (required for training).

    Attributes
    ----------
    mask : ndarray or None
        The scaled keep-mask M of the last pass (entries 0 or 1/(1 − rate)); output = X ⊙ M,
        backward dX = dA ⊙ M. Set ``fixed_mask`` to reuse one mask (gradient checks).
    """

    def __init__(self, rate, rng=None, name=None):
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.rng = rng
        self.name = name
        self.mask = None
        self.fixed_mask = None
        self.training = False

    def __repr__(self):
        return f"Dropout({self.rate})"

    def forward(self, X, training=True, check=True):
        self.training = training
        if not training or self.rate == 0.0:
            self.mask = None
            return X
        if self.fixed_mask is not None:
            if self.fixed_mask.shape != X.shape:
                raise ValueError(f"{self.label}: fixed_mask has shape {self.fixed_mask.shape} "
                                 f"but the input has shape {X.shape}")
            self.mask = self.fixed_mask
        else:
            if self.rng is None:
                raise ValueError(f"{self.label}: pass rng=np.random.default_rng(seed) to draw dropout masks")
            keep = 1.0 - self.rate
            self.mask = (self.rng.random(X.shape) < keep).astype(X.dtype) / X.dtype.type(keep)
        return X * self.mask

    def backward(self, dA, need_dX=True):
        """dX = dA ⊙ mask (the same mask as the forward pass)."""
        return dA if self.mask is None else dA * self.mask


    def config(self):
        return {"type": "Dropout", "rate": self.rate, "name": self.name}
