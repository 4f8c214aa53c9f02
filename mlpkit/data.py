"""Data sets used in the book, all available offline, and small data helpers.

* :func:`xor` — the four XOR points.
* :func:`icecream` — the 16 (temperature, ice creams sold) points of ``ch04-icecream`` and ``ch12-icecream``.
* :func:`moons`, :func:`digits` — from scikit-learn (generated / shipped with the package).
* :func:`load_fashion_mnist`, :func:`load_mnist` — IDX files found locally, else downloaded
  with pooch and verified by hash (defined in :mod:`mlpkit.idx`).
* :func:`standardize`, :func:`one_hot`, :func:`train_test_split`, :func:`minibatches`,
  :func:`add_bias_column`.
"""
import numpy as np

from .idx import (FASHION_MNIST_CLASSES, FASHION_MNIST_FILES, MNIST_FILES,  # noqa: F401 (re-exported)
                  load_fashion_mnist, load_mnist, read_idx)

__all__ = ["xor", "icecream", "moons", "digits", "load_fashion_mnist", "load_mnist", "read_idx",
           "standardize", "one_hot", "train_test_split", "minibatches", "add_bias_column",
           "FASHION_MNIST_FILES", "MNIST_FILES", "FASHION_MNIST_CLASSES"]


def xor(dtype=np.float64):
    """The XOR truth table: X (4, 2) and y (4, 1) with y = x₁ XOR x₂."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = np.array([[0], [1], [1], [0]], dtype=dtype)
    return X, y


def icecream():
    """The ice-cream regression data (``ch04-icecream``, ``ch12-icecream``): temperature (°C) and
    ice creams sold, 16 days.

    Returns
    -------
    temperature, sales : ndarray (16, 1) float64
        In the source's units. The chapters divide the temperature by 10 before training (so
        the weights stay of order 1) and add a bias column of ones (:func:`add_bias_column`).
    """
    temperature = np.array([25, 26, 27, 28, 29, 29.5, 30.5, 31, 32, 33.5, 34, 36.5, 37, 37.5, 39, 40],
                           dtype=np.float64).reshape(-1, 1)
    sales = np.array([10, 18, 12, 20, 18, 20, 22, 30, 32, 30, 35, 36, 40, 38, 37, 41],
                     dtype=np.float64).reshape(-1, 1)
    return temperature, sales


def moons(n=250, noise=0.25, rng=0):
    """Two interleaving half circles (scikit-learn's ``make_moons``), as in ``ch12-moons``.

    Returns X (n, 2) float64 and y (n, 1) float64 in {0, 1}. ``rng`` is an int seed or a
    Generator (an integer seed is drawn from it).
    """
    from sklearn.datasets import make_moons
    seed = int(rng.integers(2**31 - 1)) if isinstance(rng, np.random.Generator) else rng
    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return X.astype(np.float64), y.reshape(-1, 1).astype(np.float64)


def digits():
    """scikit-learn's 8×8 handwritten digits (1797 images, shipped with scikit-learn).

    Returns X (1797, 64) float64 with pixel values scaled to [0, 1] and y (1797,) int labels 0–9.
    """
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.data / 16.0).astype(np.float64), d.target.astype(np.int64)


# ------------------------------------------------------------------------ helpers
def standardize(X, mean=None, std=None):
    """Return (X − μ)/σ column by column, with μ, σ from X unless given (use the training
    set's on the test set). Constant columns get σ = 1. Returns (X_std, mean, std)."""
    X = np.asarray(X, dtype=np.result_type(X, np.float32))
    mean = X.mean(axis=0) if mean is None else mean
    std = X.std(axis=0) if std is None else std
    std = np.where(std == 0, 1.0, std).astype(X.dtype)
    return (X - mean) / std, mean, std


def one_hot(y, n_classes=None, dtype=np.float64):
    """Integer labels (n,) → one-hot matrix (n, K): row i has a 1 in column y[i].

    Raises ValueError naming the offending labels if any is not an integer in [0, K).
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"one_hot: labels must be 1-D (n,), got shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            bad = np.unique(y[~np.isfinite(y) | (y != np.round(y))])[:5]
            raise ValueError(f"one_hot: labels must be integers, got non-integer values {bad.tolist()}")
        y = y.astype(np.int64)
    elif y.dtype.kind not in "iu":
        raise ValueError(f"one_hot: labels must be integers, got dtype {y.dtype}")
    K = int(y.max()) + 1 if n_classes is None else int(n_classes)
    bad = (y < 0) | (y >= K)
    if bad.any():
        raise ValueError(f"one_hot: labels must lie in [0, {K - 1}] for n_classes={K}, got "
                         f"{np.unique(y[bad])[:5].tolist()} at rows {np.flatnonzero(bad)[:5].tolist()}. "
                         f"Relabel to 0..K-1 or raise n_classes.")
    out = np.zeros((y.shape[0], K), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out


def train_test_split(X, y, test_size=0.2, rng=None):
    """Shuffle the rows with ``rng`` and split: returns X_train, X_test, y_train, y_test."""
    if rng is None:
        raise ValueError("train_test_split needs rng=np.random.default_rng(seed)")
    n = len(X)
    if len(y) != n:
        raise ValueError(f"train_test_split: X has {n} rows but y has {len(y)}")
    n_test = int(round(test_size * n)) if test_size < 1 else int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} leaves {n_test} of {n} rows for testing")
    order = rng.permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def minibatches(X, y, batch_size, rng=None):
    """Yield (X_batch, y_batch) over one pass, shuffled by ``rng`` (in order when rng is None).

    Each batch gathers its own rows from one permutation, so no shuffled copy of all of X is
    made (as in :func:`mlpkit.training.fit`); without rng the batches are views (slices) of X.
    """
    n = len(X)
    if len(y) != n:
        raise ValueError(f"minibatches: X has {n} rows but y has {len(y)}; pass one target row per sample")
    order = rng.permutation(n) if rng is not None else None
    for start in range(0, n, batch_size):
        if order is None:
            yield X[start:start + batch_size], y[start:start + batch_size]
        else:
            rows = order[start:start + batch_size]
            yield X[rows], y[rows]


def add_bias_column(X):
    """Prepend a column of ones (``ch04-icecream``): X (n, d) → [1 | X] (n, d + 1), so that
    [1 | X] @ [b; W] = X W + b and a single weight matrix holds the bias."""
    X = np.asarray(X)
    return np.hstack([np.ones((X.shape[0], 1), dtype=X.dtype), X])
