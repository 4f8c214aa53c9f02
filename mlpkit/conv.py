"""Convolution and pooling layers for images stored batch first, channels first: (n, C, H, W).

A convolution with C_out filters of size k×k slides each filter over every k×k patch of
the input (stride 1, no padding, "valid"), so the output is (n, C_out, H − k + 1, W − k + 1):

    Z[i, o, r, c] = Σ_{ch, u, v} X[i, ch, r + u, c + v] · W[o, ch, u, v] + b[o]        (conv)

Computed with patches ("im2col"): gather every patch of the batch as a row of a matrix P
(n·H'·W' rows, C·k·k columns); then (conv) is one matrix product P @ Wm + b with Wm = W
reshaped to (C·k·k, C_out) — exactly a Dense layer applied to every patch. So its backward
pass is the dense one: dWm = Pᵀ dZ, db = Σ dZ, dP = dZ Wmᵀ, and dX adds each patch's
gradient back to the pixels the patch came from ("col2im").

Max pooling keeps the largest value of each non-overlapping p×p window; its gradient flows
only to that position. Flatten turns (n, C, H, W) into the (n, C·H·W) rows a Dense layer reads.
All three follow the layer protocol of :mod:`mlpkit.base` and plug into ``Sequential``
(chapter ``ch14-convolution``: ``eq-ch14-conv``, ``eq-ch14-im2col``, ``eq-ch14-conv-backward``, ``eq-ch14-maxpool``).
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import activations, init as initializers
from ._checks import ShapeError
from .base import Layer, register

__all__ = ["Conv2D", "MaxPool2D", "Flatten"]


def _check_images(X, label, channels=None, min_hw=1):
    """Validate a batch of images (n, C, H, W); return it as an ndarray (ShapeError if it is not one)."""
    X = np.asarray(X)
    if X.ndim != 4:
        raise ShapeError(f"{label} expects images of shape (n, C, H, W), got an array of shape {X.shape}. "
                         f"Reshape flat images with X.reshape(n, C, H, W), e.g. X.reshape(-1, 1, 8, 8) "
                         f"for the 8×8 digits.")
    if channels is not None and X.shape[1] != channels:
        raise ShapeError(f"{label} expects {channels} channel(s) (axis 1), got X of shape {X.shape}. "
                         f"Build the layer with in_channels={X.shape[1]} or pass images as (n, C, H, W).")
    if min(X.shape[2:]) < min_hw:
        raise ShapeError(f"{label} needs images at least {min_hw}×{min_hw}, got X of shape {X.shape}. "
                         f"Use a smaller kernel_size / pool_size or fewer pooling layers before it.")
    return X


def _check_dA(layer, dA, shape):
    if dA.shape != shape:
        raise ShapeError(f"{layer.label}: backward expects dA of shape {shape} (the shape of its output), "
                         f"got {dA.shape}. Pass ∂L/∂A for the batch of the last forward pass.")


def _positive_int(value, what, layer):
    if int(value) != value or value < 1:
        raise ValueError(f"{layer}: {what} must be a positive integer, got {value!r}")
    return int(value)


@register
class Conv2D(Layer):
    """2-D convolution (stride 1, no padding) followed by an elementwise activation.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
        C, C_out and k: the layer has C_out filters of shape (C, k, k).
    activation : str or Activation, default "relu"
        Any elementwise activation of :mod:`mlpkit.activations` (not softmax), e.g.
        ``mk.activations.get("leaky_relu", alpha=0.2)``.
    init : str or callable, default "he_uniform"
        Initialiser called with fan_in = C·k² and fan_out = C_out; biases start at zero.
    rng : numpy.random.Generator
    dtype : float dtype, default float64
    name : str, optional

    Attributes
    ----------
    W : (C_out, C, k, k)   b : (C_out,)   dW, db : their gradients, set by :meth:`backward`
    P : (n·H'·W', C·k²)    the patches of the last forward pass; Z, A : (n, C_out, H', W')
    """

    param_names = ("W", "b")
    skips_dX = True

    def __init__(self, in_channels, out_channels, kernel_size, activation="relu", init="he_uniform",
                 rng=None, dtype=np.float64, name=None):
        self.c_in = _positive_int(in_channels, "in_channels", "Conv2D")
        self.c_out = _positive_int(out_channels, "out_channels", "Conv2D")
        self.k = _positive_int(kernel_size, "kernel_size", "Conv2D")
        self.activation = activations.get(activation)
        if self.activation.prime is None:
            raise ValueError(f"Conv2D: activation {self.activation.name!r} is not elementwise; use relu, "
                             f"tanh, sigmoid, ... and put a softmax Dense layer after Flatten")
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise TypeError(f"Conv2D: dtype must be a float type, got {self.dtype}")
        self.name = name
        Wm = initializers.get(init)(self.c_in * self.k * self.k, self.c_out, rng=rng, dtype=self.dtype)
        # Wm[(ch, u, v), o] → W[o, ch, u, v]: column o of Wm is filter o, read channel-major
        self.W = np.ascontiguousarray(Wm.T.reshape(self.c_out, self.c_in, self.k, self.k))
        self.b = np.zeros(self.c_out, dtype=self.dtype)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)
        self.P = self.Z = self.A = None

    def __repr__(self):
        return f"Conv2D({self.c_in}, {self.c_out}, {self.k}, activation={self.activation.name!r})"

    def forward(self, X, training=True):
        """A = g(Z) with Z from (conv), ``eq-ch14-conv``; caches the patches P, Z and A."""
        X = _check_images(X, self.label, self.c_in, self.k)    # O(1) shape checks: always done
        if X.dtype != self.dtype:
            X = X.astype(self.dtype)
        n, _, H, Wd = X.shape
        self.X_shape = X.shape
        self.out_hw = (H - self.k + 1, Wd - self.k + 1)
        # Stride trick, no copy: windows[i, ch, r, c, u, v] = X[i, ch, r + u, c + v], the factor of (conv).
        windows = sliding_window_view(X, (self.k, self.k), axis=(2, 3))
        # im2col: one row per (i, r, c), columns ordered (ch, u, v) like Wm's rows (this reshape copies).
        self.P = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * self.out_hw[0] * self.out_hw[1], -1)
        Wm = self.W.reshape(self.c_out, -1).T                  # (C·k·k, C_out)
        Zm = self.P @ Wm + self.b                              # (conv) for every (i, r, c) at once
        self.Z = Zm.reshape(n, *self.out_hw, self.c_out).transpose(0, 3, 1, 2)
        self.A = self.activation.forward(self.Z)
        return self.A

    def backward(self, dA, need_dX=True):
        """Given dA = ∂L/∂A (n, C_out, H', W'): set dW, db and return dX (n, C, H, W)."""
        if self.P is None:
            raise RuntimeError(f"{self.label}: call forward before backward")
        _check_dA(self, dA, self.A.shape)
        dZ = self.activation.backward(dA, self.Z, self.A)      # δ = dA ⊙ g'(Z)
        n = dZ.shape[0]
        dZm = dZ.transpose(0, 2, 3, 1).reshape(-1, self.c_out)  # rows (i, r, c), like P
        # dWm = Pᵀ δ summed over all patches, written as its transpose δᵀ P = dW with W's layout
        np.matmul(dZm.T, self.P, out=self.dW.reshape(self.c_out, -1))
        np.add.reduce(dZm, axis=0, out=self.db)                # each bias is used at every position
        if not need_dX:
            return None
        Wm = self.W.reshape(self.c_out, -1).T
        dP = (dZm @ Wm.T).reshape(n, *self.out_hw, self.c_in, self.k, self.k)   # dP = δ Wmᵀ
        dX = np.zeros(self.X_shape, dtype=dZ.dtype)
        Hp, Wp = self.out_hw
        for u in range(self.k):       # col2im: pixel (r + u, c + v) receives dP[i, r, c, ch, u, v]
            for v in range(self.k):
                dX[:, :, u:u + Hp, v:v + Wp] += dP[:, :, :, :, u, v].transpose(0, 3, 1, 2)
        return dX

    def config(self):
        return {"type": "Conv2D", "in_channels": self.c_in, "out_channels": self.c_out,
                "kernel_size": self.k, "activation": self.activation.config(), "dtype": self.dtype.name,
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        """A layer with this architecture and zero weights (load the weights after)."""
        return cls(init="zeros", **{k: v for k, v in config.items() if k != "type"})


@register
class MaxPool2D(Layer):
    """Non-overlapping max pooling with a p×p window: (n, C, H, W) → (n, C, H/p, W/p).

    H and W must be divisible by p. The backward pass sends each output's gradient to the
    position of its window's maximum (the first one, on ties) and zero elsewhere.
    """

    def __init__(self, pool_size=2, name=None):
        self.p = _positive_int(pool_size, "pool_size", "MaxPool2D")
        self.name = name
        self.arg = None

    def __repr__(self):
        return f"MaxPool2D({self.p})"

    def forward(self, X, training=True):
        """Each window's maximum, ``eq-ch14-maxpool``; caches where it sits."""
        X = _check_images(X, self.label, min_hw=self.p)
        n, C, H, W = X.shape
        p = self.p
        if H % p or W % p:
            raise ShapeError(f"{self.label}: height and width ({H}, {W}) of X {X.shape} must be divisible "
                             f"by {p}; change the previous layer's kernel size or crop the images")
        # (n, C, H/p, p, W/p, p) → windows[i, ch, R, S, :] = the p·p values of window (R, S)
        windows = X.reshape(n, C, H // p, p, W // p, p).transpose(0, 1, 2, 4, 3, 5).reshape(n, C, H // p, W // p, p * p)
        self.arg = windows.argmax(axis=-1)                     # where each maximum sits in its window
        self.X_shape = X.shape
        return np.take_along_axis(windows, self.arg[..., None], axis=-1)[..., 0]

    def backward(self, dA):
        """dX: each output's gradient at its window's maximum, zero elsewhere."""
        if self.arg is None:
            raise RuntimeError(f"{self.label}: call forward before backward")
        _check_dA(self, dA, self.arg.shape)
        n, C, H, W = self.X_shape
        p = self.p
        dwin = np.zeros((n, C, H // p, W // p, p * p), dtype=dA.dtype)
        np.put_along_axis(dwin, self.arg[..., None], dA[..., None], axis=-1)   # gradient to the max only
        return dwin.reshape(n, C, H // p, W // p, p, p).transpose(0, 1, 2, 4, 3, 5).reshape(self.X_shape)

    def config(self):
        return {"type": "MaxPool2D", "pool_size": self.p, "name": self.name}


@register
class Flatten(Layer):
    """(n, C, H, W) → (n, C·H·W), row-major (pixel (r, c) of channel ch goes to column ch·H·W + r·W + c)."""

    def __init__(self, name=None):
        self.name = name
        self.X_shape = None

    def __repr__(self):
        return "Flatten()"

    def forward(self, X, training=True):
        X = np.asarray(X)
        if X.ndim < 2:
            raise ShapeError(f"{self.label} expects a batch (n, ...), got an array of shape {X.shape}")
        self.X_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dA):
        if self.X_shape is None:
            raise RuntimeError(f"{self.label}: call forward before backward")
        return dA.reshape(self.X_shape)

