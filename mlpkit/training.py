"""The training loop of :class:`~mlpkit.network.Sequential`: mini-batch gradient descent.

One *step* is: forward pass on a batch, backward pass (:meth:`Sequential.backward`, which also
returns the batch's loss), optimiser update θ ← θ − η ∇L (``eq-ch04-gd``; the variants of chapter ``ch10-gd-variants`` are the
optimisers). ``batch_size`` chooses the three modes: ``None`` = the whole set per step (batch),
``1`` = one example per step (online), ``k`` = mini-batches of k rows. An *epoch* is one
pass over the rows; after each one the loss (and metrics, validation numbers) are recorded in a
:class:`History` and the callbacks may stop training. The loop calls only public methods of the
model (``check_X``, ``check_y``, ``forward``, ``backward``, ``evaluate``, ``parameters``,
``gradients``; the layers' ``penalty``) and of the optimiser (``step``, ``join_state``, ``split_state``).

On tiny networks a step is a few dozen numpy calls of about a microsecond each, so the cost is
the *number* of calls, not the arithmetic. This loop therefore does, once per ``fit`` rather
than once per step, everything that does not change between steps: which layers add a
penalty, the floating-point error state. And for the duration of
``fit`` all parameters live in one vector θ and all gradients in one vector g (each layer's
``W``, ``b``, ``dW``, ``db`` are views into them), so the update θ ← θ − η g is one optimiser call
on one array instead of one per array (see :class:`FlatParameters`). Together this keeps ``fit``
on XOR about ten times faster than PyTorch, and close to a bare numpy loop (benchmarks/README.md).
"""
import math
import sys

import numpy as np

from ._checks import TrainingDiverged
from .flat import FlatParameters
from .metrics import METRICS, accuracy  # noqa: F401  (accuracy: re-exported, its old home)

__all__ = ["History", "FlatParameters", "fit", "accuracy", "METRICS"]


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


def _progress_bar(epochs, verbose):
    if not verbose:
        return None
    from tqdm import tqdm
    # In a terminal the bar redraws twice a second; in a notebook or a log every redraw
    # would be a new line, so there it shows only the start and the final state.
    interval = 0.5 if sys.stderr.isatty() else 3600.0
    return tqdm(total=epochs, desc="training", unit="epoch", leave=True, mininterval=interval, file=sys.stderr)


def _diverged(what, optimizer):
    lr = getattr(optimizer, "lr", None)
    return TrainingDiverged(
        what + (f" (learning rate {lr})" if lr is not None else "")
        + ". Training diverged: try a learning rate 10 times smaller, standardise the inputs "
          "(mlpkit.data.standardize), or check the data for extreme values.")


def fit(model, X, y, optimizer=None, epochs=1, batch_size=None, shuffle=True,
        validation_data=None, callbacks=(), rng=None, verbose=1):
    """Train ``model`` with mini-batch gradient descent and return a :class:`History`.

    Parameters
    ----------
    model : Sequential
    X : (n, d) array;  y : (n, k) targets (a 1-D y is accepted for k = 1)
    optimizer : an object with ``step(params, grads)`` (mlpkit.optimizers); default SGD(0.01)
    epochs : int
    batch_size : None, 1 or k
        None = full batch (batch mode), 1 = online mode, k = mini-batches of k rows.
    shuffle : bool
        Reshuffle the rows once per epoch (a permutation; each batch gathers its rows from it).
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
    returns (see :class:`FlatParameters`).
    """
    from .optimizers import SGD

    optimizer = optimizer if optimizer is not None else SGD(0.01)
    X = model.check_X(X)
    y = model.check_y(y, X.shape[0])
    model.loss_fn.check_targets(y, y)
    n = X.shape[0]
    bs = n if batch_size is None else int(batch_size)
    if bs < 1:
        raise ValueError(f"batch_size must be None or ≥ 1, got {batch_size}")
    if shuffle and bs < n and rng is None:
        raise ValueError("fit(shuffle=True) needs rng=np.random.default_rng(seed) to shuffle reproducibly")
    if validation_data is not None:
        X_val = model.check_X(validation_data[0])
        y_val = model.check_y(validation_data[1], X_val.shape[0])
    history = History()
    callbacks = list(callbacks)
    for cb in callbacks:
        cb.on_train_begin(model)

    # Fixed for the whole run (see the module docstring): the layers whose penalties join the loss.
    penalised = [layer for layer in model.layers if layer.has_penalty()]

    bar = _progress_bar(epochs, verbose)
    try:
        # Overflow in a step means divergence: it is reported as TrainingDiverged with advice
        # (the finiteness checks below), not as a stream of RuntimeWarnings.
        with np.errstate(over="ignore", invalid="ignore"), FlatParameters(model, optimizer) as flat:
            for epoch in range(1, epochs + 1):
                # Shuffling: one permutation per epoch, each batch gathers its rows from it (a
                # whole shuffled copy of X would move the entire data set through memory again).
                order = rng.permutation(n) if shuffle and bs < n else None
                total = 0.0
                for start in range(0, n, bs):
                    if order is not None:
                        rows = order[start:start + bs]
                        Xb, yb = X[rows], y[rows]
                    else:
                        Xb, yb = (X, y) if bs >= n else (X[start:start + bs], y[start:start + bs])
                    model.forward(Xb, training=True, check=False)
                    batch_loss = model.backward(yb, check=False)    # the gradients, chapter 8's box
                    for layer in penalised:
                        batch_loss += layer.penalty()
                    if not math.isfinite(batch_loss):
                        raise _diverged(f"the loss became {batch_loss} at epoch {epoch}, batch starting at row {start}",
                                        optimizer)
                    flat.step()
                    total += batch_loss * Xb.shape[0]
                logs = {"loss": total / n}
                if model.metrics:
                    train_out = model.forward(X, training=False, check=False)
                    for m in model.metrics:
                        logs[m] = METRICS[m](y, train_out)
                if validation_data is not None:
                    logs.update({f"val_{k}": v for k, v in model.evaluate(X_val, y_val, check=False).items()})
                history.append(epoch, logs)
                if bar is not None:
                    bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
                    bar.update(1)
                if callbacks and any(cb.on_epoch_end(model, epoch, logs) for cb in callbacks):
                    break
            # The last update is never followed by a loss: check what it left behind.
            if not flat.finite():
                raise _diverged("the parameters became NaN or inf in the last step", optimizer)
    finally:
        if bar is not None:
            bar.close()
    for cb in callbacks:
        cb.on_train_end(model)
    model.history = history
    return history
