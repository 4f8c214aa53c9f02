"""Loss functions and their gradients with respect to the prediction.

Argument order is always ``(y_true, y_pred)``. Every ``*_grad`` returns
``∂L/∂y_pred`` with the shape of ``y_pred``, including the loss's own averaging, so the
backward pass never divides by ``n`` again.

The mean squared error comes in the four scalings the source documents use (``reduction``
argument, N = number of entries of ``y_pred``; the table of chapter ``ch04-loss-gd`` says which
source uses which, ``eq-ch04-losses``):

=========== ================== ==================================================
reduction   loss               gradient ∂L/∂ŷ
=========== ================== ==================================================
"mean"      (1/N) Σ (ŷ−y)²     2(ŷ − y)/N  (Keras, PyTorch)
"sum"       Σ (ŷ−y)²           2(ŷ − y)
"half_sum"  ½ Σ (ŷ−y)²         ŷ − y
"half_mean" (1/2N) Σ (ŷ−y)²    (ŷ − y)/N
=========== ================== ==================================================

The scaling multiplies the gradient by a constant, which a learning rate can absorb
(``ch04-icecream`` shows the descent paths coincide).
"""
import numpy as np

__all__ = [
    "mse", "mse_grad", "mae", "mae_grad",
    "binary_cross_entropy", "binary_cross_entropy_grad",
    "categorical_cross_entropy", "categorical_cross_entropy_grad",
    "softmax_cross_entropy", "softmax_cross_entropy_grad",
    "Loss", "MSE", "MAE", "BinaryCrossEntropy", "CategoricalCrossEntropy",
    "SoftmaxCrossEntropy", "LOSSES", "get", "EPS",
]

#: Probabilities are clipped to [EPS, 1 − EPS] inside the cross-entropies so log(0) never occurs.
EPS = 1e-12

_SCALE = {"mean": lambda N: 1.0 / N, "sum": lambda N: 1.0,
          "half_sum": lambda N: 0.5, "half_mean": lambda N: 0.5 / N}


def _check_pair(y_true, y_pred, loss):
    if type(y_true) is np.ndarray and type(y_pred) is np.ndarray and y_true.shape == y_pred.shape:
        return y_true, y_pred                       # the common case, on every training step
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        hint = ""
        if y_true.ndim == 1 and y_pred.ndim == 2 and y_pred.shape[1] == 1:
            hint = " Reshape the targets to a column with y.reshape(-1, 1)."
        elif y_true.ndim == 1 and y_pred.ndim == 2:
            hint = (f" The network has {y_pred.shape[1]} outputs: one-hot encode integer labels"
                    f" with mlpkit.data.one_hot(y, {y_pred.shape[1]}).")
        raise ValueError(f"{loss}: y_true has shape {y_true.shape} but y_pred has shape "
                         f"{y_pred.shape}; they must match.{hint}")
    return y_true, y_pred


def _scale(reduction, N):
    try:
        return _SCALE[reduction](N)
    except KeyError:
        raise ValueError(f"reduction must be one of {sorted(_SCALE)}, got {reduction!r}") from None


def mse(y_true, y_pred, reduction="mean"):
    """Mean squared error, L = c · Σ (ŷ − y)², c set by ``reduction`` (see module docstring)."""
    y_true, y_pred = _check_pair(y_true, y_pred, "mse")
    diff = (y_pred - y_true).ravel()
    return float(_scale(reduction, diff.size) * np.dot(diff, diff))     # Σ (ŷ − y)² as one dot product


def mse_grad(y_true, y_pred, reduction="mean"):
    """∂L/∂ŷ = 2c (ŷ − y); e.g. (ŷ − y) for "half_sum" and 2(ŷ − y)/N for "mean"."""
    y_true, y_pred = _check_pair(y_true, y_pred, "mse")
    return (2.0 * _scale(reduction, y_pred.size)) * (y_pred - y_true)


def mae(y_true, y_pred):
    """Mean absolute error, L = (1/N) Σ |ŷ − y|."""
    y_true, y_pred = _check_pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(y_pred - y_true)))


def mae_grad(y_true, y_pred):
    """∂L/∂ŷ = sign(ŷ − y)/N (0 where ŷ = y, the subgradient numpy's sign gives)."""
    y_true, y_pred = _check_pair(y_true, y_pred, "mae")
    return np.sign(y_pred - y_true) / y_pred.size


def binary_cross_entropy(y_true, y_pred):
    """L = −(1/n) Σ_i Σ_k [y log p + (1 − y) log(1 − p)], p = ŷ clipped to [EPS, 1 − EPS].

    ``y_true`` holds 0/1 labels (or probabilities), shape (n, k), usually k = 1.
    """
    y_true, y_pred = _check_pair(y_true, y_pred, "binary_cross_entropy")
    p = np.clip(y_pred, EPS, 1.0 - EPS)
    n = y_pred.shape[0] if y_pred.ndim else 1
    return float(-np.sum(y_true * np.log(p) + (1.0 - y_true) * np.log(1.0 - p)) / n)


def binary_cross_entropy_grad(y_true, y_pred):
    """∂L/∂p = (p − y) / (p(1 − p)) / n; times σ'(z) = p(1 − p) this gives (p − y)/n."""
    y_true, y_pred = _check_pair(y_true, y_pred, "binary_cross_entropy")
    p = np.clip(y_pred, EPS, 1.0 - EPS)
    n = y_pred.shape[0] if y_pred.ndim else 1
    return (p - y_true) / (p * (1.0 - p)) / n


def categorical_cross_entropy(y_true, y_pred):
    """L = −(1/n) Σ_i Σ_k Y_ik log P_ik; Y one-hot (n, K), P probabilities (n, K) (clipped at EPS)."""
    y_true, y_pred = _check_pair(y_true, y_pred, "categorical_cross_entropy")
    return float(-np.sum(y_true * np.log(np.clip(y_pred, EPS, 1.0))) / y_pred.shape[0])


def categorical_cross_entropy_grad(y_true, y_pred):
    """∂L/∂P = −Y / P / n (P clipped at EPS)."""
    y_true, y_pred = _check_pair(y_true, y_pred, "categorical_cross_entropy")
    return -y_true / np.clip(y_pred, EPS, 1.0) / y_pred.shape[0]


def softmax_cross_entropy(y_true, Z):
    """Cross-entropy of softmax(Z) computed from the logits Z with log-sum-exp (no clipping).

    L = (1/n) Σ_i [log Σ_j e^{Z_ij} − Σ_k Y_ik Z_ik].
    """
    y_true, Z = _check_pair(y_true, Z, "softmax_cross_entropy")
    m = Z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(Z - m).sum(axis=1, keepdims=True)) + m
    return float(np.sum(y_true * (log_sum - Z)) / Z.shape[0])


def softmax_cross_entropy_grad(y_true, Z):
    """The fused gradient ∂L/∂Z = (P − Y)/n with P = softmax(Z): no K×K Jacobian needed."""
    from .activations import softmax
    y_true, Z = _check_pair(y_true, Z, "softmax_cross_entropy")
    return (softmax(Z) - y_true) / Z.shape[0]


class Loss:
    """A loss as an object: ``loss(y_true, y_pred)`` and ``loss.gradient(y_true, y_pred)``.

    Attributes
    ----------
    name : str
    fused_activation : str or None
        If the last layer uses this activation, :class:`mlpkit.network.Sequential` skips
        its Jacobian and asks :meth:`gradient_wrt_logits` for ``dZ`` directly.
    """

    name = "loss"
    fused_activation = None

    def __call__(self, y_true, y_pred):
        raise NotImplementedError

    def gradient(self, y_true, y_pred):
        raise NotImplementedError

    def gradient_wrt_logits(self, y_true, A):
        """dZ = (A − Y)/n for cross-entropy after its matching activation."""
        y_true, A = _check_pair(y_true, A, self.name)
        return (A - y_true) / A.shape[0]

    def value_and_gradient(self, y_true, y_pred, wrt_logits=False):
        """(L, ∂L/∂ŷ) in one call — or (L, ∂L/∂Z) with ``wrt_logits=True``, for the fused
        output. The training loop uses this; a loss may override it to share work."""
        grad = self.gradient_wrt_logits(y_true, y_pred) if wrt_logits else self.gradient(y_true, y_pred)
        return self(y_true, y_pred), grad

    def check_targets(self, y_true, y_pred):
        """Raise a clear error when the targets cannot belong to this loss."""
        _check_pair(y_true, y_pred, self.name)

    def __repr__(self):
        return f"{type(self).__name__}()"


class MSE(Loss):
    """Mean squared error with a ``reduction`` ("mean", "sum", "half_sum", "half_mean")."""

    name = "mse"

    def __init__(self, reduction="mean"):
        _scale(reduction, 1)
        self.reduction = reduction

    def __call__(self, y_true, y_pred):
        return mse(y_true, y_pred, self.reduction)

    def gradient(self, y_true, y_pred):
        return mse_grad(y_true, y_pred, self.reduction)

    def value_and_gradient(self, y_true, y_pred, wrt_logits=False):
        """L = c Σ r² and ∂L/∂ŷ = 2c r share the residual r = ŷ − y: computed once."""
        if wrt_logits:                                  # MSE has no fused activation
            return super().value_and_gradient(y_true, y_pred, wrt_logits)
        y_true, y_pred = _check_pair(y_true, y_pred, "mse")
        residual = y_pred - y_true
        c = _scale(self.reduction, residual.size)
        flat = residual.ravel()
        return float(c * np.dot(flat, flat)), (2.0 * c) * residual

    def __repr__(self):
        return f"MSE(reduction={self.reduction!r})"


class MAE(Loss):
    """Mean absolute error."""

    name = "mae"
    __call__ = staticmethod(mae)
    gradient = staticmethod(mae_grad)


class BinaryCrossEntropy(Loss):
    """Binary cross-entropy on probabilities; fused with a sigmoid output to (A − Y)/n."""

    name = "binary_cross_entropy"
    fused_activation = "sigmoid"
    __call__ = staticmethod(binary_cross_entropy)
    gradient = staticmethod(binary_cross_entropy_grad)

    def check_targets(self, y_true, y_pred):
        super().check_targets(y_true, y_pred)
        y_true = np.asarray(y_true)
        if y_true.size and (y_true.min() < 0 or y_true.max() > 1):
            raise ValueError(f"binary_cross_entropy: targets must lie in [0, 1], got values in "
                             f"[{y_true.min()}, {y_true.max()}]")


class CategoricalCrossEntropy(Loss):
    """Categorical cross-entropy on probabilities; fused with softmax to (P − Y)/n."""

    name = "categorical_cross_entropy"
    fused_activation = "softmax"
    __call__ = staticmethod(categorical_cross_entropy)
    gradient = staticmethod(categorical_cross_entropy_grad)

    def check_targets(self, y_true, y_pred):
        super().check_targets(y_true, y_pred)
        y_true = np.asarray(y_true)
        if y_true.size and not np.allclose(y_true.sum(axis=1), 1.0):
            raise ValueError("categorical_cross_entropy: each row of y_true must be one-hot (sum to 1); "
                             "encode integer labels with mlpkit.data.one_hot(y, n_classes)")


class SoftmaxCrossEntropy(Loss):
    """Cross-entropy applied to logits (the last layer has no activation)."""

    name = "softmax_cross_entropy"
    __call__ = staticmethod(softmax_cross_entropy)
    gradient = staticmethod(softmax_cross_entropy_grad)


LOSSES = {
    "mse": MSE, "mae": MAE,
    "binary_cross_entropy": BinaryCrossEntropy, "bce": BinaryCrossEntropy,
    "categorical_cross_entropy": CategoricalCrossEntropy, "cce": CategoricalCrossEntropy,
    "softmax_cross_entropy": SoftmaxCrossEntropy,
}


def get(name, **kwargs):
    """Return a :class:`Loss` by name (``"mse"``, ``"mae"``, ``"binary_cross_entropy"``,
    ``"categorical_cross_entropy"``, ``"softmax_cross_entropy"``); a Loss passes through."""
    if isinstance(name, Loss):
        return name
    try:
        cls = LOSSES[str(name).lower()]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}") from None
    return cls(**kwargs)
