"""Input validation shared by layers and networks: errors that say what and how to fix."""
import numpy as np

__all__ = ["ShapeError", "TrainingDiverged", "all_finite", "layer_label", "check_input"]


class ShapeError(ValueError):
    """An array has a shape the layer or loss cannot use."""


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite during training."""


def all_finite(X):
    """True when no entry of the float array X is NaN or ±inf.

    A sum is finite only if every entry is (NaN and ±inf propagate): one pass over X and no
    temporary array, which matters for a data set of 47 million pixels. Only when the sum is
    not finite (a NaN, an inf, or an overflow of the sum itself) is each entry examined.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(X, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(X).all())


def layer_label(layer, index=None):
    """'Dense layer 2 ('hidden')' style label used in every message."""
    kind = type(layer).__name__
    where = f" {index}" if index is not None else ""
    name = getattr(layer, "name", None)
    return f"{kind} layer{where}" + (f" ({name!r})" if name else "")


def check_input(X, n_features, label, dtype=None, finite=True):
    """Validate a 2-D float batch X for a layer expecting ``n_features`` columns.

    ``finite=False`` skips the one O(n) check, that no entry is NaN or inf (layers inside a
    network leave it to :meth:`mlpkit.network.Sequential.check_X`, done once per batch).
    """
    if not isinstance(X, np.ndarray):
        X = np.asarray(X)
    if X.ndim != 2:
        fix = " Use X.reshape(-1, 1) for a single feature or X[None, :] for a single sample." if X.ndim == 1 else ""
        raise ShapeError(f"{label} expects a 2-D array (n_samples, {n_features}), got shape {X.shape}.{fix}")
    if X.shape[1] != n_features:
        raise ShapeError(f"{label} expects inputs with {n_features} columns, got X of shape {X.shape}. "
                         f"Pass X with {n_features} features per row, or build the layer with n_in={X.shape[1]}.")
    if dtype is not None and X.dtype != dtype:
        if X.dtype.kind == "f":
            raise TypeError(f"{label} has {np.dtype(dtype).name} weights but X is {X.dtype.name}; "
                            f"cast once with X.astype(np.{np.dtype(dtype).name}) (mixing dtypes silently "
                            f"promotes every product to the wider type).")
        if X.dtype.kind not in "biu":
            raise TypeError(f"{label} needs numeric input, got X of dtype {X.dtype}.")
        X = X.astype(dtype)
    if finite and not all_finite(X):
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"{label} received non-finite input: X{tuple(int(i) for i in bad)} = "
                         f"{X[tuple(bad)]} (X has shape {X.shape}). Remove or impute NaN/inf values first.")
    return X
