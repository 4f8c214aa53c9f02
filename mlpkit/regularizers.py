"""Regularisation (chapter ``ch11-regularisation``): weight penalties (L1, L2), an activity
penalty, and early stopping (``ch11-early-stopping``).

A weight regulariser adds ``penalty(W)`` to the loss and ``gradient(W)`` to ``dW``:

* L2:  λ Σ W²   → gradient 2λW   (weights shrink in proportion: "weight decay")
* L1:  λ Σ |W|  → gradient λ sign(W)   (a constant pull to 0: drives some weights to exactly 0)

``ActivityL2(λ)`` penalises a layer's output instead: λ Σ A² / n, with n the number of rows
of the batch. Keras' ``activity_regularizer=l2(0.001)`` (the MNIST model of ``ch12-fashion``) adds
λ Σ A² and then divides by the batch size, which is the same quantity.
"""
import copy

import numpy as np

__all__ = ["L1", "L2", "ActivityL2", "EarlyStopping", "Callback", "REGULARIZERS", "get"]


class _Penalty:
    """A penalty with one strength λ; ``config()`` / :func:`get` turn it into JSON and back."""

    def __init__(self, lam):
        if lam < 0:
            raise ValueError(f"{type(self).__name__}: lam must be ≥ 0, got {lam}")
        self.lam = float(lam)

    def config(self):
        return {"type": type(self).__name__, "lam": self.lam}

    def __repr__(self):
        return f"{type(self).__name__}({self.lam})"


class L2(_Penalty):
    """L2 weight penalty λ Σ W², gradient 2λW."""

    def penalty(self, W):
        return self.lam * float(np.sum(W * W))

    def gradient(self, W):
        return (2.0 * self.lam) * W


class L1(_Penalty):
    """L1 weight penalty λ Σ |W|, (sub)gradient λ sign(W) (0 at W = 0)."""

    def penalty(self, W):
        return self.lam * float(np.sum(np.abs(W)))

    def gradient(self, W):
        return self.lam * np.sign(W)


class ActivityL2(_Penalty):
    """L2 penalty on a layer's activations, λ Σ A² / n; gradient w.r.t. A is 2λA / n."""

    def penalty(self, A):
        return self.lam * float(np.sum(A * A)) / A.shape[0]

    def gradient(self, A):
        return (2.0 * self.lam / A.shape[0]) * A


REGULARIZERS = {"L1": L1, "L2": L2, "ActivityL2": ActivityL2}


def get(config):
    """A regulariser from its ``config()`` dict (``{"type": "L2", "lam": 0.1}``); None and
    regulariser objects pass through."""
    if config is None or isinstance(config, _Penalty):
        return config
    try:
        return REGULARIZERS[config["type"]](config["lam"])
    except (KeyError, TypeError):
        raise ValueError(f"cannot build a regulariser from {config!r}; expected "
                         f"{{'type': one of {sorted(REGULARIZERS)}, 'lam': float}}") from None


class Callback:
    """Called by ``Sequential.fit`` after every epoch; return True to stop training."""

    def on_train_begin(self, model):
        pass

    def on_epoch_end(self, model, epoch, logs):
        return False

    def on_train_end(self, model):
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the history ("loss", "val_loss", "val_accuracy", ...).
    patience : int
    min_delta : float
    mode : {"min", "max", "auto"}
        "auto" maximises keys containing "acc", minimises the rest.
    restore_best_weights : bool, default True
        At the end, put back the parameters of the best epoch.

    Attributes
    ----------
    best, best_epoch, stopped_epoch
    """

    def __init__(self, monitor="val_loss", patience=10, min_delta=0.0, mode="auto",
                 restore_best_weights=True):
        self.monitor, self.patience, self.min_delta = monitor, int(patience), float(min_delta)
        self.mode = ("max" if "acc" in monitor else "min") if mode == "auto" else mode
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, model):
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_epoch, self.stopped_epoch, self.wait, self.best_params = None, None, 0, None

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, model, epoch, logs):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r} but the history has {sorted(logs)}; "
                           f"pass validation_data to fit() to get val_* keys")
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_params = copy.deepcopy(model.parameters())
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, model):
        if self.restore_best_weights and self.best_params is not None:
            for p, best in zip(model.parameters(), self.best_params):
                p[...] = best
