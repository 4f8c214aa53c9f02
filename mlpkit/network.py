"""A sequential network: forward, backward, training loop, evaluation, save/load."""
import json
import math

import numpy as np

from . import losses as losses_mod
from ._checks import ShapeError, TrainingDiverged, check_input
from .layers import Dense, Dropout

__all__ = ["Sequential", "History"]


class History:
    """What ``fit`` returns: ``history.history`` maps "loss", "accuracy", "val_loss", ... to
    one value per epoch; ``history["loss"]`` is a shortcut."""

    def __init__(self):
        self.history = {}
        self.epochs = []

    def append(self, epoch, logs):
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def __repr__(self):
        last = {k: round(v[-1], 6) for k, v in self.history.items()}
        return f"History({len(self.epochs)} epochs, last={last})"


def accuracy(y_true, y_pred):
    """Fraction of rows classified right: argmax for several outputs, ŷ ≥ 0.5 for one."""
    if y_pred.shape[1] == 1:
        return float(np.mean((y_pred >= 0.5) == (y_true >= 0.5)))
    return float(np.mean(np.argmax(y_pred, axis=1) == np.argmax(y_true, axis=1)))


METRICS = {"accuracy": accuracy, "acc": accuracy}


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
        if not np.isfinite(X).all():
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
            A = layer.forward(A, training=training, check=False)
        return A

    def backward(self, y_true, check=True):
        """Backpropagate from the last forward pass: fill every layer's dW, db (and dZ)."""
        last = self.layers[-1]
        Y_hat = last.A
        if check:
            y_true = self._check_y(y_true, Y_hat.shape[0])
        fused = (self.loss_fn.fused_activation is not None and isinstance(last, Dense)
                 and last.activity_regularizer is None and self.loss_fn.fused_activation == last.activation.name)
        need_dX = len(self.layers) > 1
        if fused:
            grad = last.backward_from_dZ(self.loss_fn.gradient_wrt_logits(y_true, Y_hat), need_dX=need_dX)
        else:
            grad = last.backward(self.loss_fn.gradient(y_true, Y_hat), need_dX=need_dX)
        for i in range(len(self.layers) - 2, -1, -1):
            # The first layer's dX (gradient w.r.t. the data) is never used: skip that product.
            grad = self.layers[i].backward(grad, need_dX=i > 0)
        return self

    def penalty(self):
        """Sum of the layers' regularisation terms (0.0 when no layer is regularised)."""
        total = 0.0
        for layer in self.layers:
            if getattr(layer, "kernel_regularizer", None) is not None or getattr(layer, "activity_regularizer", None) is not None:
                total += layer.penalty()
        return total

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
            If the loss becomes NaN or inf (the message suggests a smaller learning rate).
        """
        from .optimizers import SGD

        optimizer = optimizer if optimizer is not None else SGD(0.01)
        X = self._check_X(X)
        y = self._check_y(y, X.shape[0])
        self.loss_fn.check_targets(y, y)
        n = X.shape[0]
        bs = n if batch_size is None else int(batch_size)
        if bs < 1:
            raise ValueError(f"batch_size must be None or ≥ 1, got {batch_size}")
        if shuffle and bs < n and rng is None:
            raise ValueError("fit(shuffle=True) needs rng=np.random.default_rng(seed) to shuffle reproducibly")
        if validation_data is not None:
            X_val = self._check_X(validation_data[0])
            y_val = self._check_y(validation_data[1], X_val.shape[0])
        history = History()
        callbacks = list(callbacks)
        for cb in callbacks:
            cb.on_train_begin(self)
        bar = None
        if verbose:
            import sys

            from tqdm import tqdm
            # In a terminal the bar redraws twice a second; in a notebook or a log every redraw
            # would be a new line, so there it shows only the start and the final state.
            interval = 0.5 if sys.stderr.isatty() else 3600.0
            bar = tqdm(total=epochs, desc="training", unit="epoch", leave=True, mininterval=interval,
                       file=sys.stderr)
        params = self.parameters()
        for epoch in range(1, epochs + 1):
            if shuffle and bs < n:
                order = rng.permutation(n)
                Xe, ye = X[order], y[order]   # one copy per epoch; batches below are views
            else:
                Xe, ye = X, y
            total = 0.0
            for start in range(0, n, bs):
                Xb, yb = (Xe, ye) if bs >= n else (Xe[start:start + bs], ye[start:start + bs])
                # Overflow here means divergence: it is reported below as TrainingDiverged,
                # with advice, rather than as a stream of RuntimeWarnings.
                with np.errstate(over="ignore", invalid="ignore"):
                    Y_hat = self.forward(Xb, training=True, check=False)
                    batch_loss = self.loss_fn(yb, Y_hat) + self.penalty()
                if not math.isfinite(batch_loss):
                    if bar is not None:
                        bar.close()
                    lr = getattr(optimizer, "lr", None)
                    raise TrainingDiverged(
                        f"the loss became {batch_loss} at epoch {epoch}, batch starting at row {start}"
                        + (f" (learning rate {lr})" if lr is not None else "")
                        + ". Training diverged: try a learning rate 10 times smaller, standardise the inputs "
                          "(mlpkit.data.standardize), or check the data for extreme values.")
                self.backward(yb, check=False)
                optimizer.step(params, self.gradients())
                total += batch_loss * Xb.shape[0]
            logs = {"loss": total / n}
            if self.metrics:
                train_out = self.forward(X, training=False, check=False)
                for m in self.metrics:
                    logs[m] = METRICS[m](y, train_out)
            if validation_data is not None:
                logs.update({f"val_{k}": v for k, v in self._evaluate(X_val, y_val).items()})
            history.append(epoch, logs)
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                bar.update(1)
            if callbacks and any(cb.on_epoch_end(self, epoch, logs) for cb in callbacks):
                break
        if bar is not None:
            bar.close()
        for cb in callbacks:
            cb.on_train_end(self)
        self.history = history
        return history

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
        """Save architecture and weights to one ``.npz`` file."""
        config = {"layers": [l.config() for l in self.layers], "loss": self.loss_fn.name,
                  "reduction": getattr(self.loss_fn, "reduction", None), "metrics": list(self.metrics)}
        arrays = {f"param_{i}": p for i, p in enumerate(self.parameters())}
        np.savez(path, config=np.array(json.dumps(config)), **arrays)

    @classmethod
    def load(cls, path):
        """Rebuild a network saved by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            config = json.loads(str(data["config"]))
            layers = []
            for c in config["layers"]:
                if c["type"] == "Dense":
                    layers.append(Dense(c["n_in"], c["n_out"], activation=c["activation"], init="zeros",
                                        dtype=np.dtype(c["dtype"]), name=c["name"]))
                elif c["type"] == "Dropout":
                    layers.append(Dropout(c["rate"], name=c["name"]))
                else:
                    raise ValueError(f"cannot load layer type {c['type']!r}")
            loss_kwargs = {"reduction": config["reduction"]} if config.get("reduction") else {}
            model = cls(layers, loss=losses_mod.get(config["loss"], **loss_kwargs), metrics=config["metrics"])
            for i, p in enumerate(model.parameters()):
                p[...] = data[f"param_{i}"]
        return model
