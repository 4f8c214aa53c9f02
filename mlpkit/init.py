"""Weight initialisers: ``f(fan_in, fan_out, rng, dtype) -> W`` of shape (fan_in, fan_out).

=============== ======================================== ==========================
name            distribution                             meant for
=============== ======================================== ==========================
zeros           0                                        biases (never weights: symmetry)
uniform         U[0, 1)                                  ``np.random.random`` (``ch11-regularisation``)
normal          N(0, std²), std = 0.01                   small random weights
xavier_uniform  U[−a, a], a = √(6 / (fan_in + fan_out))  sigmoid / tanh (Glorot & Bengio 2010)
xavier_normal   N(0, 2 / (fan_in + fan_out))             sigmoid / tanh
he_uniform      U[−a, a], a = √(6 / fan_in)              ReLU (He et al. 2015)
he_normal       N(0, 2 / fan_in)                         ReLU
=============== ======================================== ==========================

``rng`` is a ``numpy.random.Generator`` (pass ``np.random.default_rng(seed)``); there is no
global seeding anywhere in mlpkit.
"""
import math

import numpy as np

__all__ = ["zeros", "uniform", "normal", "xavier_uniform", "xavier_normal",
           "he_uniform", "he_normal", "glorot_uniform", "glorot_normal", "INITIALIZERS", "get"]


def _rng(rng):
    if rng is None:
        raise ValueError("pass an explicit random generator, e.g. rng=np.random.default_rng(0)")
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def zeros(fan_in, fan_out, rng=None, dtype=np.float64):
    """All zeros, shape (fan_in, fan_out)."""
    return np.zeros((fan_in, fan_out), dtype=dtype)


def uniform(fan_in, fan_out, rng=None, dtype=np.float64):
    """U[0, 1), like ``np.random.random((fan_in, fan_out))``, which the source documents use (``ch11-regularisation``)."""
    return _rng(rng).random((fan_in, fan_out)).astype(dtype, copy=False)


def normal(fan_in, fan_out, rng=None, dtype=np.float64, std=0.01):
    """N(0, std²) with std = 0.01 by default."""
    return (std * _rng(rng).standard_normal((fan_in, fan_out))).astype(dtype, copy=False)


def xavier_uniform(fan_in, fan_out, rng=None, dtype=np.float64):
    """U[−a, a] with a = √(6/(fan_in + fan_out)): Var(W) = 2/(fan_in + fan_out)."""
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return _rng(rng).uniform(-a, a, (fan_in, fan_out)).astype(dtype, copy=False)


def xavier_normal(fan_in, fan_out, rng=None, dtype=np.float64):
    """N(0, σ²) with σ² = 2/(fan_in + fan_out)."""
    std = math.sqrt(2.0 / (fan_in + fan_out))
    return (std * _rng(rng).standard_normal((fan_in, fan_out))).astype(dtype, copy=False)


def he_uniform(fan_in, fan_out, rng=None, dtype=np.float64):
    """U[−a, a] with a = √(6/fan_in): Var(W) = 2/fan_in, which keeps ReLU activations' scale."""
    a = math.sqrt(6.0 / fan_in)
    return _rng(rng).uniform(-a, a, (fan_in, fan_out)).astype(dtype, copy=False)


def he_normal(fan_in, fan_out, rng=None, dtype=np.float64):
    """N(0, σ²) with σ² = 2/fan_in."""
    std = math.sqrt(2.0 / fan_in)
    return (std * _rng(rng).standard_normal((fan_in, fan_out))).astype(dtype, copy=False)


glorot_uniform, glorot_normal = xavier_uniform, xavier_normal

INITIALIZERS = {f.__name__: f for f in (zeros, uniform, normal, xavier_uniform, xavier_normal,
                                         he_uniform, he_normal)}
INITIALIZERS.update(glorot_uniform=xavier_uniform, glorot_normal=xavier_normal)


def get(name):
    """Return an initialiser by name (a callable passes through)."""
    if callable(name):
        return name
    try:
        return INITIALIZERS[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown initialiser {name!r}; choose one of {sorted(INITIALIZERS)}") from None
