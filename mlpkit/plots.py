"""Plots the chapters use: loss curves, 2-D decision boundaries, loss surfaces with a
descent path. matplotlib is imported here only, so ``import mlpkit`` does not need it.
Every function draws on ``ax`` (created if None) and returns it.
"""
import numpy as np

from .metrics import classes

__all__ = ["plot_history", "plot_decision_boundary", "plot_loss_surface"]


def _axes(ax, projection=None):
    import matplotlib.pyplot as plt
    if ax is not None:
        return ax
    fig = plt.figure(figsize=(6, 4))
    return fig.add_subplot(111, projection=projection)


def plot_history(history, keys=None, ax=None, logy=False, title=None):
    """Curves of a :class:`~mlpkit.training.History` (or a dict of lists) against the epoch.

    ``keys`` defaults to every loss-like key ("loss", "val_loss"); pass e.g.
    ``["accuracy", "val_accuracy"]`` for metrics.
    """
    hist = getattr(history, "history", history)
    keys = keys or [k for k in hist if k.endswith("loss")]
    ax = _axes(ax)
    for k in keys:
        values = np.asarray(hist[k], dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, label=k)
    ax.set_xlabel("epoch")
    ax.set_ylabel(", ".join(keys))
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_decision_boundary(model, X, y, ax=None, resolution=200, margin=0.5, title=None):
    """Shade the plane by predicted class and scatter the points (X (n, 2), labels y).

    ``model`` is a network with ``predict`` or a function X -> outputs; the class of each
    point is :func:`mlpkit.metrics.classes` of its output (ŷ ≥ 0.5, or the argmax).
    """
    predict = model.predict if hasattr(model, "predict") else model
    X = np.asarray(X)
    y = np.asarray(y).reshape(len(X), -1)
    labels = y[:, 0] if y.shape[1] == 1 else np.argmax(y, axis=1)     # the given labels, unthresholded
    x0 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    x1 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    G0, G1 = np.meshgrid(x0, x1)
    grid = np.c_[G0.ravel(), G1.ravel()]
    dtype = getattr(model, "dtype", np.float64)
    out = np.asarray(predict(grid.astype(dtype)))
    out = out.reshape(len(grid), -1)
    cls = classes(out)
    ax = _axes(ax)
    ax.contourf(G0, G1, cls.reshape(G0.shape), alpha=0.25, cmap="coolwarm",
                levels=np.arange(cls.max() + 2) - 0.5)
    ax.scatter(X[:, 0], X[:, 1], c=labels, cmap="coolwarm", edgecolors="k", s=20)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def plot_loss_surface(loss_fn, w_range, b_range, path=None, kind="contour", ax=None,
                      resolution=80, levels=30, minimum=None, labels=("w", "b")):
    """Draw L(w, b) over a grid and, optionally, the path an optimiser took.

    Parameters
    ----------
    loss_fn : callable (w, b) -> float
    w_range, b_range : (low, high)
    path : array (steps, 2) of (w, b) points, optional — drawn as a dashed line with dots
    kind : "contour" (2-D, default) or "3d" (surface)
    minimum : (w, b), optional — marked with a cross
    """
    W = np.linspace(*w_range, resolution)
    B = np.linspace(*b_range, resolution)
    WW, BB = np.meshgrid(W, B)
    L = np.vectorize(loss_fn)(WW, BB)
    if kind == "3d":
        ax = _axes(ax, projection="3d")
        ax.plot_surface(WW, BB, L, cmap="viridis", alpha=0.8, linewidth=0)
        if path is not None:
            path = np.asarray(path)
            Lp = np.array([loss_fn(w, b) for w, b in path])
            ax.plot(path[:, 0], path[:, 1], Lp, "w--", lw=1.5)
            ax.plot(path[:, 0], path[:, 1], Lp, "o", color="white", ms=2)
        if minimum is not None:
            ax.plot([minimum[0]], [minimum[1]], [loss_fn(*minimum)], "gX", ms=12)
        ax.set_zlabel("loss")
    elif kind == "contour":
        ax = _axes(ax)
        cs = ax.contour(WW, BB, L, levels=levels, cmap="viridis")
        ax.clabel(cs, inline=True, fontsize=7, fmt="%.3g")
        if path is not None:
            path = np.asarray(path)
            ax.plot(path[:, 0], path[:, 1], "k.--", lw=1, ms=3, label="descent path")
            ax.legend()
        if minimum is not None:
            ax.plot(*minimum, "gX", ms=12)
    else:
        raise ValueError(f"kind must be 'contour' or '3d', got {kind!r}")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    return ax
