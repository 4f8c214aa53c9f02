"""Convolution and pooling layers for images in (n, C, H, W) layout (batch first).

A convolution with C_out filters of size k×k slides each filter over every k×k patch of
the input (stride 1, no padding), so the output is (n, C_out, H − k + 1, W − k + 1):

    Z[i, o, r, c] = Σ_{ch, u, v} X[i, ch, r + u, c + v] · W[o, ch, u, v] + b[o]

Written with patches ("im2col"): gather every patch of the batch as a row of a matrix P
(n·H'·W' rows, C·k·k columns); then the convolution is one matrix product P @ Wm, Wm =
W reshaped to (C·k·k, C_out) — exactly a Dense layer applied to every patch. So its
backward pass is the dense one: dWm = Pᵀ dZ, db = Σ dZ, dP = dZ Wmᵀ, and dX adds each
patch's gradient back where the patch came from ("col2im").

Max pooling keeps the largest value of each non-overlapping p×p window; its gradient flows
only to that position.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import activations, init as initializers
from .layers import Layer

__all__ = ["Conv2D", "MaxPool2D", "Flatten"]


def _check_images(X, label, channels=None):
    if X.ndim != 4:
        raise ValueError(f"{label} expects images of shape (n, C, H, W), got {X.shape}; "
                         f"reshape flat 8×8 images with X.reshape(-1, 1, 8, 8)")
    if channels is not None and X.shape[1] != channels:
        raise ValueError(f"{label} expects {channels} channels, got X of shape {X.shape}")


class Conv2D(Layer):
    """2-D convolution, stride 1, no padding, followed by an activation.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
    activation : str, default "relu"
    init : str, default "he_uniform" (fan_in = in_channels · k²)
    rng : numpy.random.Generator
    dtype : float dtype

    Attributes
    ----------
    W : (out_channels, in_channels, k, k);  b : (out_channels,);  dW, db: their gradients
    """

    def __init__(self, in_channels, out_channels, kernel_size, activation="relu", init="he_uniform",
                 rng=None, dtype=np.float64, name=None):
        self.c_in, self.c_out, self.k = int(in_channels), int(out_channels), int(kernel_size)
        self.activation = activations.get(activation)
        self.dtype = np.dtype(dtype)
        self.name = name
        fan_in = self.c_in * self.k * self.k
        Wm = initializers.get(init)(fan_in, self.c_out, rng=rng, dtype=self.dtype)   # (C·k·k, C_out)
        self.W = np.ascontiguousarray(Wm.T.reshape(self.c_out, self.c_in, self.k, self.k))
        self.b = np.zeros(self.c_out, dtype=self.dtype)
        self.dW, self.db = np.zeros_like(self.W), np.zeros_like(self.b)

    def __repr__(self):
        return f"Conv2D({self.c_in}, {self.c_out}, {self.k}, activation={self.activation.name!r})"

    def forward(self, X, training=True, check=True):
        _check_images(X, self.label, self.c_in)
        n, _, H, Wd = X.shape
        self.X_shape = X.shape
        self.out_hw = (H - self.k + 1, Wd - self.k + 1)
        # patches: (n, C, H', W', k, k) → rows (n·H'·W', C·k·k), channel-major like W's columns
        windows = sliding_window_view(X, (self.k, self.k), axis=(2, 3))
        self.P = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * self.out_hw[0] * self.out_hw[1], -1)
        Wm = self.W.reshape(self.c_out, -1).T                  # (C·k·k, C_out)
        Zm = self.P @ Wm + self.b                              # a dense layer on every patch
        self.Z = Zm.reshape(n, *self.out_hw, self.c_out).transpose(0, 3, 1, 2)
        self.A = self.activation.forward(self.Z)
        return self.A

    def backward(self, dA, need_dX=True):
        dZ = self.activation.backward(dA, self.Z, self.A)      # (n, C_out, H', W')
        n = dZ.shape[0]
        dZm = dZ.transpose(0, 2, 3, 1).reshape(-1, self.c_out)
        Wm = self.W.reshape(self.c_out, -1).T
        self.dW = (self.P.T @ dZm).T.reshape(self.W.shape)     # dWm = Pᵀ dZ
        self.db = dZm.sum(axis=0)
        if not need_dX:
            return None
        dP = (dZm @ Wm.T).reshape(n, *self.out_hw, self.c_in, self.k, self.k)
        dX = np.zeros(self.X_shape, dtype=dZ.dtype)
        Hp, Wp = self.out_hw
        for u in range(self.k):                                # col2im: each offset adds its slice back
            for v in range(self.k):
                dX[:, :, u:u + Hp, v:v + Wp] += dP[:, :, :, :, u, v].transpose(0, 3, 1, 2)
        return dX

    def parameters(self):
        return [self.W, self.b]

    def gradients(self):
        return [self.dW, self.db]


class MaxPool2D(Layer):
    """Non-overlapping max pooling with a p×p window (H and W must be divisible by p)."""

    def __init__(self, pool_size=2, name=None):
        self.p = int(pool_size)
        self.name = name

    def __repr__(self):
        return f"MaxPool2D({self.p})"

    def forward(self, X, training=True, check=True):
        _check_images(X, self.label)
        n, C, H, W = X.shape
        p = self.p
        if H % p or W % p:
            raise ValueError(f"{self.label}: height and width ({H}, {W}) must be divisible by {p}")
        windows = X.reshape(n, C, H // p, p, W // p, p).transpose(0, 1, 2, 4, 3, 5).reshape(n, C, H // p, W // p, p * p)
        self.arg = windows.argmax(axis=-1)                     # where each maximum sits in its window
        self.X_shape = X.shape
        return np.take_along_axis(windows, self.arg[..., None], axis=-1)[..., 0]

    def backward(self, dA, need_dX=True):
        n, C, H, W = self.X_shape
        p = self.p
        dwin = np.zeros((n, C, H // p, W // p, p * p), dtype=dA.dtype)
        np.put_along_axis(dwin, self.arg[..., None], dA[..., None], axis=-1)   # gradient to the max only
        return dwin.reshape(n, C, H // p, W // p, p, p).transpose(0, 1, 2, 4, 3, 5).reshape(self.X_shape)


class Flatten(Layer):
    """(n, C, H, W) → (n, C·H·W), so that Dense layers can follow."""

    def forward(self, X, training=True, check=True):
        self.X_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dA, need_dX=True):
        return dA.reshape(self.X_shape)
