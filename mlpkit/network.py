"""A sequential network: forward, backward (chapter 8's algorithm box), evaluation.

The training loop is :mod:`mlpkit.training`; files are :mod:`mlpkit.persistence`, which builds
on :meth:`Sequential.config` / :meth:`Sequential.from_config` (this module knows no files).
"""
import numpy as np

from . import losses as losses_mod
from ._checks import ShapeError, all_finite, check_input
from .base import layer_from_config
from .metrics import METRICS, classes
from .training import History, fit

__all__ = ["Sequential", "History"]   # History: re-exported, it is what fit returns


class Sequential:
    """Layers applied one after the other, trained by backpropagation.

    Parameters
    ----------
    layers : list of layers
        Dense, Dropout, conv layers, or any object following the protocol of :mod:`mlpkit.base`.
    loss : str or Loss, default "mse"
        Name for :func:`mlpkit.losses.get` or a Loss object (e.g. ``MSE(reduction="sum")``).
    metrics : tuple of str
        Extra numbers recorded by ``fit``/``evaluate`` (names in :data:`mlpkit.metrics.METRICS`).

    Attributes
    ----------
    output : ndarray (n, k)
        The output Ŷ of the last forward pass (what :meth:`backward` differentiates).
    """

    def __init__(self, layers, loss="mse", metrics=()):
        self.layers = list(layers)
        if not self.layers:
            raise ValueError("Sequential needs at least one layer")
        self.loss_fn = losses_mod.get(loss)
        self.metrics = tuple(metrics)
        for m in self.metrics:
            if m not in METRICS:
                raise ValueError(f"unknown metric {m!r}; choose from {sorted(METRICS)}")
        for i, layer in enumerate(self.layers):
            layer.index = i + 1
        sized = [(i, l) for i, l in enumerate(self.layers) if hasattr(l, "n_out")]
        for (i, a), (j, b) in zip(sized, sized[1:]):
            if a.n_out != b.n_in:
                raise ShapeError(f"{b.label} expects {b.n_in} inputs but {a.label} produces {a.n_out}. "
                                 f"Make layer {j + 1}'s n_in equal {a.n_out} (or layer {i + 1}'s n_out equal {b.n_in}).")
        dtypes = {(l.label, l.dtype) for l in self.layers if hasattr(l, "dtype")}
        if len({d for _, d in dtypes}) > 1:
            listing = ", ".join(f"{lab}: {d.name}" for lab, d in sorted(dtypes, key=lambda t: t[0]))
            raise TypeError(f"all layers of a network must share one dtype, got {listing}. "
                            f"Build every layer with the same dtype=.")
        self.dtype = next((l.dtype for l in self.layers if hasattr(l, "dtype")), np.dtype(np.float64))
        self.n_in = getattr(self.layers[0], "n_in", None)   # None when the first layer is not dense (conv)
        self.output = None
        self.history = None

    def __repr__(self):
        inner = ",\n  ".join(repr(l) for l in self.layers)
        return f"Sequential([\n  {inner}\n], loss={self.loss_fn!r})"

    # ----------------------------------------------------------------- checks
    def check_X(self, X):
        """X as an array of the network's dtype, after checking its shape and values (cast once)."""
        X = np.asarray(X)
        if X.dtype != self.dtype and X.dtype.kind in "fbiu":
            X = X.astype(self.dtype)      # cast ONCE here, never per batch
        if self.n_in is not None:
            return check_input(X, self.n_in, self.layers[0].label, self.dtype)
        if not all_finite(X):
            raise ValueError(f"X (shape {X.shape}) contains NaN or inf; remove or impute them first")
        return X

    def check_y(self, y, n):
        """Targets as an (n, k) array of the network's dtype (a 1-D y becomes a column when k = 1)."""
        y = np.asarray(y)
        out = self._n_out()
        if y.ndim == 1 and out == 1:
            y = y.reshape(-1, 1)
        if y.ndim != 2 or y.shape[0] != n or (out is not None and y.shape[1] != out):
            fix = ""
            if y.ndim == 1 and out and out > 1:
                fix = f" One-hot encode integer labels with mlpkit.data.one_hot(y, {out})."
            raise ShapeError(f"y has shape {y.shape} but the network outputs shape ({n}, {out}) for "
                             f"X with {n} rows: targets must have one row per sample and {out} columns.{fix}")
        y = y.astype(self.dtype, copy=False)
        if not np.isfinite(y).all():
            raise ValueError("y contains NaN or inf; clean the targets first")
        return y

    def _n_out(self):
        return next((l.n_out for l in reversed(self.layers) if hasattr(l, "n_out")), None)

    # ------------------------------------------------------- forward/backward
    def forward(self, X, training=True, check=True):
        """Ŷ for the batch X (n, d): A(0) = X, A(ℓ) = layer ℓ's forward of A(ℓ−1) (``eq-ch03-layer``).

        ``check=False`` skips :meth:`check_X` (for a batch already checked, as in ``fit``).
        """
        A = self.check_X(X) if check else X
        for layer in self.layers:
            A = layer.forward(A, training)
        self.output = A
        return A

    def fused_output(self):
        """True when the loss hands back the delta δ(L) itself: softmax + categorical CE, sigmoid + BCE."""
        last = self.layers[-1]
        return (self.loss_fn.fused_activation is not None and hasattr(last, "backward_from_dZ")
                and getattr(last, "activity_regularizer", None) is None
                and getattr(getattr(last, "activation", None), "name", None) == self.loss_fn.fused_activation)

    def backward(self, y_true, check=True):
        """Backpropagation after :meth:`forward`: the algorithm box of chapter 8 (``ch08-algorithm``).

        Fills every layer's gradients (``dW``, ``db``, and ``dZ`` = δ) and returns the loss
        L(Y, Ŷ) it differentiated (without penalties; the layers add their gradients).
        ``check=False`` skips :meth:`check_y`.
        """
        Y_hat, layers = self.output, self.layers
        if Y_hat is None:
            raise RuntimeError("Sequential.backward needs the cached arrays of a forward pass: call forward(X) first")
        Y = self.check_y(y_true, Y_hat.shape[0]) if check else y_true
        # Start: dA(L) = ∂L/∂Ŷ from the loss; for softmax or sigmoid with cross-entropy, directly
        # δ(L) = (Ŷ − Y)/n (eq-ch08-out), exact and cheaper than the activation's Jacobian.
        fused = self.fused_output()
        loss, grad = self.loss_fn.value_and_gradient(Y, Y_hat, wrt_logits=fused)
        # Backward, for ℓ = L, ..., 1, each layer.backward(dA) does (Dense.backward):
        #   1. δ(ℓ) = dA(ℓ) ⊙ g'(Z(ℓ))   2. dW(ℓ) = A(ℓ−1)ᵀ δ(ℓ), db(ℓ) = Σ_i δ(ℓ)_i   3. dA(ℓ−1) = δ(ℓ) W(ℓ)ᵀ
        # and returns dA(ℓ−1) (eq-ch08-hidden); 3. is skipped for ℓ = 1, where nobody needs it.
        L = len(layers)
        for l in range(L, 0, -1):
            layer = layers[l - 1]
            if fused and l == L:
                grad = layer.backward_from_dZ(grad, need_dX=l > 1)   # δ(L) given by the Start: steps 2–3
            elif l > 1 or not getattr(layer, "skips_dX", False):
                grad = layer.backward(grad)                           # steps 1–3, returns dA(ℓ−1)
            else:
                layer.backward(grad, need_dX=False)                   # ℓ = 1: steps 1–2, dA(0) unused
        return loss

    def penalty(self):
        """Sum of the layers' regularisation terms (0.0 when no layer is regularised)."""
        return sum((layer.penalty() for layer in self.layers if layer.has_penalty()), 0.0)

    def loss(self, X, y, training=False):
        """Loss on (X, y) including regularisation penalties (dropout off unless training=True)."""
        X = self.check_X(X)
        y = self.check_y(y, X.shape[0])
        Y_hat = self.forward(X, training=training, check=False)
        return self.loss_fn(y, Y_hat) + self.penalty()

    def parameters(self):
        """[W1, b1, W2, b2, ...]: every trainable array, in layer order (the optimiser's view)."""
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self):
        """[dW1, db1, dW2, db2, ...], same order as :meth:`parameters`."""
        return [g for layer in self.layers for g in layer.gradients()]

    # -------------------------------------------------------------- training
    def fit(self, X, y, optimizer=None, epochs=1, batch_size=None, shuffle=True,
            validation_data=None, callbacks=(), rng=None, verbose=1):
        """Train with mini-batch gradient descent and return a :class:`History`.

        See :func:`mlpkit.training.fit` for the parameters: ``optimizer`` (default SGD(0.01)),
        ``batch_size`` None (full batch) / 1 (online) / k, ``shuffle`` with ``rng``,
        ``validation_data=(X_val, y_val)``, ``callbacks`` (e.g. EarlyStopping), ``verbose``.
        Each step is :meth:`forward`, :meth:`backward` and one optimiser step (``eq-ch04-gd``).
        """
        return fit(self, X, y, optimizer=optimizer, epochs=epochs, batch_size=batch_size, shuffle=shuffle,
                   validation_data=validation_data, callbacks=callbacks, rng=rng, verbose=verbose)

    # ------------------------------------------------------------ inference
    def predict(self, X):
        """Network output for X with dropout off, shape (n, k)."""
        return self.forward(X, training=False)

    def predict_classes(self, X):
        """Class labels (n,): :func:`mlpkit.metrics.classes` of the outputs (ŷ ≥ 0.5, or argmax)."""
        return classes(self.predict(X))

    def evaluate(self, X, y, check=True):
        """{"loss": ..., and each metric} on (X, y), dropout off (``check=False``: X, y already checked)."""
        if check:
            X = self.check_X(X)
            y = self.check_y(y, X.shape[0])
        out = self.forward(X, training=False, check=False)
        result = {"loss": self.loss_fn(y, out) + self.penalty()}
        for m in self.metrics:
            result[m] = METRICS[m](y, out)
        return result

    # ---------------------------------------------------------- architecture
    def config(self):
        """The architecture as JSON values: each layer's ``config()``, the loss, the metrics."""
        return {"layers": [layer.config() for layer in self.layers], "loss": self.loss_fn.name,
                "reduction": getattr(self.loss_fn, "reduction", None), "metrics": list(self.metrics)}

    @classmethod
    def from_config(cls, config):
        """A network with this architecture and zero weights (:func:`mlpkit.base.layer_from_config`)."""
        loss_kwargs = {"reduction": config["reduction"]} if config.get("reduction") else {}
        return cls([layer_from_config(c) for c in config["layers"]],
                   loss=losses_mod.get(config["loss"], **loss_kwargs), metrics=config.get("metrics", ()))
