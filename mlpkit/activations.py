"""Activation functions, their derivatives and their backward passes.

Every activation ``g`` comes as a pair that works on whole batches (rows are samples):

* ``g(Z) -> A``, the forward pass, elementwise (softmax: row by row);
* ``g_backward(dA, ...) -> dZ``, which takes the upstream gradient ``dA = ∂L/∂A`` and
  returns ``dZ = ∂L/∂Z = dA ⊙ g'(Z)`` (upstream × local derivative). Each docstring says
  whether it needs ``Z`` or ``A``: for sigmoid and tanh the derivative is cheapest from ``A``
  (σ' = A(1 − A), tanh' = 1 − A²), for ReLU it needs ``Z``.

``*_prime(Z)`` give the elementwise derivative ``g'(Z)`` itself, for the chapters.
``get(name, **params)`` returns an :class:`Activation` from the registry ``ACTIVATIONS``, with
its parameters bound (``get("leaky_relu", alpha=0.2)``); layers take a name or such an object.
"""
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np
from scipy.special import expit as _expit

__all__ = [
    "identity", "identity_backward", "identity_prime",
    "sigmoid", "sigmoid_backward", "sigmoid_prime",
    "tanh", "tanh_backward", "tanh_prime",
    "relu", "relu_backward", "relu_prime",
    "leaky_relu", "leaky_relu_backward", "leaky_relu_prime",
    "softmax", "softmax_backward",
    "Activation", "ACTIVATIONS", "get",
]


def _as_float(Z):
    """Z as a float array (integers become float64; float32 stays float32)."""
    if type(Z) is not np.ndarray:
        Z = np.asarray(Z)
    return Z if Z.dtype.kind == "f" else Z.astype(np.float64)


def identity(Z):
    """Identity ``A = Z`` (linear output for regression)."""
    return Z


def identity_backward(dA, Z=None, A=None):
    """``dZ = dA`` since g'(z) = 1."""
    return dA


def identity_prime(Z):
    """g'(z) = 1, elementwise."""
    return np.ones_like(Z)


def sigmoid(Z):
    """Logistic sigmoid σ(z) = 1 / (1 + e^{-z}), safe for every z.

    Written with numpy, the formula overflows: e^{-z} is inf for z ≲ −710 (float64; −88 in
    float32) and numpy warns, although 1/(1 + inf) = 0 is the right answer. The computation here
    is :func:`scipy.special.expit`, a compiled ufunc of the same formula that never overflows or
    warns, and is accurate wherever σ(z) is a normal float (z ≳ −708). It is one call instead of the five
    numpy calls of an overflow-guarded version (chapter 6 writes that one), which matters on the
    tiny networks of the book, where a training step is a few dozen calls of about 1 µs each.

    Parameters
    ----------
    Z : ndarray, any shape

    Returns
    -------
    A : ndarray, same shape and dtype as Z (float64 for integer input), entries in [0, 1]
    """
    Z = _as_float(Z)
    A = _expit(Z)
    return A if A.dtype == Z.dtype else A.astype(Z.dtype)     # expit computes float16 in float64


def sigmoid_prime(Z):
    """σ'(z) = σ(z)(1 − σ(z)), elementwise; maximum 0.25 at z = 0."""
    S = sigmoid(Z)
    return S * (1.0 - S)


def sigmoid_backward(dA, A):
    """Backward of the sigmoid. Takes **A** = σ(Z): ``dZ = dA ⊙ A ⊙ (1 − A)``."""
    return dA * A * (1.0 - A)


def tanh(Z):
    """Hyperbolic tangent, A = tanh(Z) (numpy's implementation is stable)."""
    return np.tanh(Z)


def tanh_prime(Z):
    """tanh'(z) = 1 − tanh²(z), elementwise."""
    T = np.tanh(Z)
    return 1.0 - T * T


def tanh_backward(dA, A):
    """Backward of tanh. Takes **A** = tanh(Z): ``dZ = dA ⊙ (1 − A²)``."""
    return dA * (1.0 - A * A)


def relu(Z):
    """Rectified linear unit, A = max(Z, 0) (``np.maximum``: 5× faster than ``np.where``)."""
    return np.maximum(Z, 0)


def relu_prime(Z):
    """ReLU'(z) = 1 if z > 0 else 0 (the convention at the kink z = 0 is 0)."""
    return (Z > 0).astype(np.result_type(Z, np.float32))


def relu_backward(dA, Z):
    """Backward of ReLU. Takes **Z**: ``dZ = dA ⊙ [Z > 0]``.

    ``np.heaviside(Z, 0)`` is the float step function [Z > 0] (0 at the kink), one ufunc call
    instead of a comparison plus a bool→float cast.
    """
    return dA * np.heaviside(Z, 0.0)


def leaky_relu(Z, alpha=0.01):
    """Leaky ReLU, A = Z if Z > 0 else αZ (keeps a small slope α for negative inputs)."""
    return np.where(Z > 0, Z, alpha * Z)


def leaky_relu_prime(Z, alpha=0.01):
    """Leaky ReLU'(z) = 1 if z > 0 else α (α at the kink z = 0)."""
    return np.where(Z > 0, 1.0, alpha).astype(np.result_type(Z, np.float32))


def leaky_relu_backward(dA, Z, alpha=0.01):
    """Backward of leaky ReLU. Takes **Z**: ``dZ = dA ⊙ (1 if Z > 0 else α)``."""
    return np.where(Z > 0, dA, alpha * dA)


def softmax(Z):
    """Row-wise softmax, A_ik = e^{Z_ik} / Σ_j e^{Z_ij}, stable.

    Subtracting the row maximum first changes nothing mathematically (the factor
    e^{−max} cancels) but keeps every exponent ≤ 0, so nothing overflows.

    Parameters
    ----------
    Z : ndarray (n, K)

    Returns
    -------
    A : ndarray (n, K), every row sums to 1
    """
    Z = _as_float(Z)
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def softmax_backward(dA, A):
    """Backward of the softmax. Takes **A** = softmax(Z).

    The Jacobian of one row is ∂A_i/∂Z_j = A_i(δ_ij − A_j), i.e. diag(a) − a aᵀ, so
    the vector–Jacobian product is ``dZ = A ⊙ (dA − Σ_j dA_j A_j)`` row by row,
    without forming the K×K matrix. (With cross-entropy, prefer the fused
    gradient (A − Y)/n of :mod:`mlpkit.losses`.)
    """
    return A * (dA - np.sum(dA * A, axis=-1, keepdims=True))


@dataclass(frozen=True, eq=False)
class Activation:
    """An activation function with its backward pass, as stored in the registry.

    Attributes
    ----------
    name : str
    fn : callable Z -> A
    backward_fn : callable
        The module-level ``*_backward`` function.
    uses : {"A", "Z", "none"}
        Which cached array the backward pass needs.
    prime : callable or None
        Elementwise derivative g'(Z) (None for softmax, whose derivative is a Jacobian).
    params : dict
        The keyword parameters bound into ``fn``, ``backward_fn`` and ``prime``
        (``{"alpha": 0.01}`` for leaky ReLU, ``{}`` for the others).
    """

    name: str
    fn: Callable
    backward_fn: Callable
    uses: str
    prime: Callable = None
    params: dict = field(default_factory=dict)

    def forward(self, Z):
        """A = g(Z)."""
        return self.fn(Z)

    def backward(self, dA, Z, A):
        """dZ = dA ⊙ g'(Z), computed from whichever of Z or A the function needs."""
        if self.uses == "A":
            return self.backward_fn(dA, A)
        if self.uses == "Z":
            return self.backward_fn(dA, Z)
        return dA

    def with_params(self, **params):
        """The same activation with some parameters changed, e.g. ``.with_params(alpha=0.2)``."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            takes = [n for n, a in ACTIVATIONS.items() if set(unknown) <= set(a.params)]
            hint = f"; {', '.join(takes)} has it" if takes else ""
            raise ValueError(f"activation {self.name} takes no parameter {unknown[0]!r} "
                             f"(its parameters: {sorted(self.params) or 'none'}){hint}")
        params = {**self.params, **{k: float(v) for k, v in params.items()}}
        base = ACTIVATIONS[self.name]
        bind = (lambda f: f if f is None else partial(f, **params)) if params else (lambda f: f)
        return Activation(self.name, bind(base.fn), bind(base.backward_fn), self.uses, bind(base.prime), params)

    def config(self):
        """The name, or ``{"name": ..., **params}`` when it has parameters (what :func:`get` reads back)."""
        return {"name": self.name, **self.params} if self.params else self.name

    def __eq__(self, other):
        return isinstance(other, Activation) and (self.name, self.params) == (other.name, other.params)

    def __hash__(self):
        return hash((self.name, tuple(sorted(self.params.items()))))


ACTIVATIONS = {
    "identity": Activation("identity", identity, identity_backward, "none", identity_prime),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_backward, "A", sigmoid_prime),
    "tanh": Activation("tanh", tanh, tanh_backward, "A", tanh_prime),
    "relu": Activation("relu", relu, relu_backward, "Z", relu_prime),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_backward, "Z", leaky_relu_prime,
                             {"alpha": 0.01}),
    "softmax": Activation("softmax", softmax, softmax_backward, "A", None),
}
ACTIVATIONS["linear"] = ACTIVATIONS["identity"]


def get(name, **params):
    """Return the :class:`Activation` registered under ``name``, with its parameters set.

    ``get("leaky_relu", alpha=0.2)`` is leaky ReLU with slope 0.2; ``name`` may also be an
    Activation (passed through, or re-parameterised when ``params`` are given), None
    (identity) or the dict that :meth:`Activation.config` writes (``{"name": "leaky_relu",
    "alpha": 0.2}``). Pass the result to a layer: ``Dense(4, 3, get("leaky_relu", alpha=0.2))``.

    Raises
    ------
    ValueError
        For an unknown name (listing the known ones) or a parameter the activation lacks.
    """
    if isinstance(name, dict):
        params = {**{k: v for k, v in name.items() if k != "name"}, **params}
        name = name.get("name")
    if isinstance(name, Activation):
        return name.with_params(**params) if params else name
    if name is None:
        name = "identity"
    try:
        act = ACTIVATIONS[str(name).lower()]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None
    return act.with_params(**params) if params else act
