"""A sequential network: forward, backward, evaluation; training in :mod:`mlpkit.training`,
files in :mod:`mlpkit.persistence`."""
import numpy as np

from . import losses as losses_mod
from . import persistence, training
from ._checks import ShapeError, all_finite, check_input
from .layers import Dense
from .training import METRICS, History  # noqa: F401  (History: re-exported, it is what fit returns)

__all__ = ["Sequential", "History"]


class Sequential:
    """Layers applied one after the other, trained by backpropagation.

    Parameters
    ----------
    layers : list of layers (Dense, Dropout, conv layers)
    loss : str or Loss, default "mse"
        Name for :func:`mlpkit.losses.get` or a Loss object (e.g. ``MSE(reduction="sum")``).
    metrics : tuple of str
        Extra numbers recorded by ``fit``/``evaluate`` ("accuracy").

    Notes
    -----
    ``backward(y_true)`` starts from ``dA = ∂L/∂Ŷ`` given by the loss, except when the last
    layer's activation is the loss's ``fused_activation`` (softmax + categorical CE, sigmoid +
    binary CE): then it starts from the delta itself, ``dZ = (Ŷ − Y)/n``, which is both exact
    and cheaper than multiplying by the activation's Jacobian.
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
        dense = [(i, l) for i, l in enumerate(self.layers)]
        for i, layer in dense:
            layer.index = i + 1
        sized = [(i, l) for i, l in dense if hasattr(l, "n_out")]
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
        self.history = None

    def __repr__(self):
        inner = ",\n  ".join(repr(l) for l in self.layers)
        return f"Sequential([\n  {inner}\n], loss={self.loss_fn!r})"

    # ----------------------------------------------------------------- checks
    def _check_X(self, X):
        X = np.asarray(X)
        if X.dtype != self.dtype and X.dtype.kind in "fbiu":
            X = X.astype(self.dtype)      # cast ONCE here, never per batch
        if self.n_in is not None:
            return check_input(X, self.n_in, self.layers[0].label, self.dtype)
        if not all_finite(X):
            raise ValueError(f"X (shape {X.shape}) contains NaN or inf; remove or impute them first")
        return X

    def _check_y(self, y, n):
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
        """Output of the last layer for the batch X (n, d); caches every layer's arrays."""
        A = self._check_X(X) if check else X
        for layer in self.layers:
            A = layer.forward(A, training, False)
        return A

    def _fused_output(self):
        """True when the loss hands back the delta dZ of the last layer (softmax + CE, sigmoid + BCE)."""
        last = self.layers[-1]
        return (self.loss_fn.fused_activation is not None and isinstance(last, Dense)
                and last.activity_regularizer is None and self.loss_fn.fused_activation == last.activation.name)

    def backward(self, y_true, check=True):
        """Backpropagate from the last forward pass: fill every layer's dW, db (and dZ)."""
        Y_hat = self.layers[-1].A
        if check:
            y_true = self._check_y(y_true, Y_hat.shape[0])
        fused = self._fused_output()
        grad = self.loss_fn.gradient_wrt_logits(y_true, Y_hat) if fused else self.loss_fn.gradient(y_true, Y_hat)
        return self._backprop(grad, fused)

    def _backprop(self, grad, fused=False):
        """Run the backward pass from ``grad`` = ∂L/∂Ŷ, or ∂L/∂Z of the last layer when ``fused``."""
        last = self.layers[-1]
        need_dX = len(self.layers) > 1
        grad = last.backward_from_dZ(grad, need_dX=need_dX) if fused else last.backward(grad, need_dX=need_dX)
        for i in range(len(self.layers) - 2, -1, -1):
            # The first layer's dX (gradient w.r.t. the data) is never used: skip that product.
            grad = self.layers[i].backward(grad, need_dX=i > 0)
        return self

    def penalty(self):
        """Sum of the layers' regularisation terms (0.0 when no layer is regularised)."""
        return sum((layer.penalty() for layer in self.layers if layer.has_penalty()), 0.0)

    def loss(self, X, y, training=False):
        """Loss on (X, y) including regularisation penalties (dropout off unless training=True)."""
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
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

        Parameters
        ----------
        X : (n, d) array;  y : (n, k) targets (a 1-D y is accepted for k = 1)
        optimizer : an object with ``step(params, grads)`` (mlpkit.optimizers); default SGD(0.01)
        epochs : int
        batch_size : None, 1 or k
            None = full batch (batch mode), 1 = online mode, k = mini-batches of k rows (seed 002).
        shuffle : bool
            Reshuffle the rows once per epoch (a permutation; batches are then contiguous slices).
        validation_data : (X_val, y_val), optional — adds "val_loss" and "val_<metric>".
        callbacks : iterable of Callback (e.g. EarlyStopping)
        rng : numpy.random.Generator, needed when shuffle=True and batch_size < n
        verbose : 0 = silent, 1 = a progress bar over epochs showing the loss

        Raises
        ------
        TrainingDiverged
            If the loss becomes NaN or inf, or the last step leaves a parameter NaN or inf (the
            message suggests a smaller learning rate).

        Notes
        -----
        While ``fit`` runs, every layer's ``W``, ``b`` (and ``dW``, ``db``) are views into one
        parameter vector (and one gradient vector), so a callback reads the current values as
        usual; arrays taken from the layers before ``fit`` receive the trained values when it
        returns (see :class:`mlpkit.training.FlatParameters`).
        """
        return training.fit(self, X, y, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                            shuffle=shuffle, validation_data=validation_data, callbacks=callbacks, rng=rng,
                            verbose=verbose)

    # ------------------------------------------------------------ inference
    def predict(self, X):
        """Network output for X with dropout off, shape (n, k)."""
        return self.forward(X, training=False)

    def predict_classes(self, X):
        """Class labels: argmax of the outputs, or ŷ ≥ 0.5 for a single output."""
        out = self.predict(X)
        return (out[:, 0] >= 0.5).astype(int) if out.shape[1] == 1 else np.argmax(out, axis=1)

    def _evaluate(self, X, y):
        out = self.forward(X, training=False, check=False)
        result = {"loss": self.loss_fn(y, out) + self.penalty()}
        for m in self.metrics:
            result[m] = METRICS[m](y, out)
        return result

    def evaluate(self, X, y):
        """{"loss": ..., and each metric} on (X, y), dropout off."""
        X = self._check_X(X)
        return self._evaluate(X, self._check_y(y, X.shape[0]))

    # ---------------------------------------------------------- persistence
    def save(self, path):
        """Save architecture and weights to one ``.npz`` file (see :mod:`mlpkit.persistence`)."""
        persistence.save(self, path)

    @classmethod
    def load(cls, path):
        """Rebuild a network saved by :meth:`save`."""
        return persistence.load(path, cls)
