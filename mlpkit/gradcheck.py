"""Gradient checking: compare backpropagation with centred finite differences.

For a parameter entry θ_k the centred difference

    n_k = (L(θ + h e_k) − L(θ − h e_k)) / (2h)

has truncation error O(h²) and round-off error about ε|L|/h (ε = 2.2e-16). The checks use
the fourth-order centred stencil with h = 1e-3 (truncation O(h⁴) ≈ 1e-13, round-off
≈ 1e-13 |L|), which agrees with an exact gradient to about 1e-9 relative (measured over
random networks in tests/mlpkit/test_gradients.py; the book: ``eq-ch05-fd``, ``ch08-gradcheck``). The relative error used everywhere is

    rel(a, n) = |a − n| / max(|a| + |n|, tiny)

which is 0 for equal values, 1 for opposite signs, and does not blow up when both are 0.
"""
from dataclasses import dataclass, field

import numpy as np

__all__ = ["numerical_gradient", "rel_error", "check_model", "check_layer", "GradCheckReport", "Row"]

#: Absolute floor of the relative error's denominator: gradients smaller than this count as
#: zero (the stencil's round-off is about 1e-13 |L|, so smaller values are noise).
TINY = 1e-5


def rel_error(a, n):
    """Largest elementwise relative error |a − n| / max(|a| + |n|, tiny) (a float)."""
    a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {n.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), TINY)))


def _rel_array(a, n):
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), TINY)


def numerical_gradient(f, x, eps=1e-6, order=2):
    """Centred finite-difference gradient of the scalar function ``f()`` w.r.t. array ``x``.

    ``order=2``: (f(x+h) − f(x−h)) / 2h, error O(h²) — the formula the book teaches.
    ``order=4``: (−f(x+2h) + 8f(x+h) − 8f(x−h) + f(x−2h)) / 12h, error O(h⁴), which allows a
    larger h and so far less round-off; the gradient checks use it.

    ``x`` is perturbed **in place** (and restored), so ``f`` can read it from a model.

    Parameters
    ----------
    f : callable with no arguments returning a float (or f(x) if it takes one argument)
    x : float64 ndarray
    eps : float, the step h
    order : 2 or 4

    Returns
    -------
    grad : ndarray, same shape as x
    """
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order}")
    if x.dtype != np.float64:
        raise TypeError(f"numerical_gradient needs a float64 array (float32 round-off swamps "
                        f"the differences), got {x.dtype}")
    call = (lambda: f(x)) if _takes_argument(f) else f
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        plus = call()
        x[i] = old - eps
        minus = call()
        if order == 2:
            grad[i] = (plus - minus) / (2.0 * eps)
        else:
            x[i] = old + 2 * eps
            plus2 = call()
            x[i] = old - 2 * eps
            minus2 = call()
            grad[i] = (8.0 * (plus - minus) - (plus2 - minus2)) / (12.0 * eps)
        x[i] = old
    return grad


def _takes_argument(f):
    import inspect
    try:
        params = [p for p in inspect.signature(f).parameters.values()
                  if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return False
    return len(params) >= 1


@dataclass
class Row:
    """One parameter array: where its worst entry is and how far apart the two gradients are."""

    layer: str
    array: str
    shape: tuple
    rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float


@dataclass
class GradCheckReport:
    """Per-parameter comparison of analytic and numerical gradients."""

    rows: list = field(default_factory=list)
    tol: float = 1e-7

    def ok(self, tol=None):
        """True when every array's worst relative error is below ``tol`` (default 1e-7)."""
        tol = self.tol if tol is None else tol
        return all(r.rel_error < tol for r in self.rows)

    @property
    def worst(self):
        """The row with the largest relative error."""
        return max(self.rows, key=lambda r: r.rel_error)

    def failures(self, tol=None):
        tol = self.tol if tol is None else tol
        return [r for r in self.rows if r.rel_error >= tol]

    def __str__(self):
        lines = [f"{'layer':<24}{'array':<6}{'shape':<12}{'rel. error':>11}  {'worst at':<10}"
                 f"{'analytic':>13}{'numeric':>13}"]
        for r in self.rows:
            flag = "" if r.rel_error < self.tol else "  <-- FAIL"
            lines.append(f"{r.layer:<24}{r.array:<6}{str(r.shape):<12}{r.rel_error:>11.2e}  "
                         f"{str(r.worst_index):<10}{r.analytic:>13.6g}{r.numeric:>13.6g}{flag}")
        return "\n".join(lines)

    def _repr_html_(self):
        head = "".join(f"<th>{h}</th>" for h in ("layer", "array", "shape", "rel. error", "worst at",
                                                  "analytic", "numeric", ""))
        body = "".join(
            f"<tr><td>{r.layer}</td><td>{r.array}</td><td>{r.shape}</td><td>{r.rel_error:.2e}</td>"
            f"<td>{r.worst_index}</td><td>{r.analytic:.6g}</td><td>{r.numeric:.6g}</td>"
            f"<td>{'ok' if r.rel_error < self.tol else '<b>FAIL</b>'}</td></tr>" for r in self.rows)
        return f"<table><tr>{head}</tr>{body}</table>"


def _row(layer_label, name, analytic, numeric):
    rel = _rel_array(analytic, numeric)
    idx = np.unravel_index(int(np.argmax(rel)), rel.shape) if rel.size else ()
    return Row(layer_label, name, tuple(analytic.shape), float(rel[idx]) if rel.size else 0.0,
               tuple(int(i) for i in idx), float(analytic[idx]) if rel.size else 0.0,
               float(numeric[idx]) if rel.size else 0.0)


def check_model(model, X, y, eps=1e-3, tol=1e-7, order=4):
    """Check every parameter of a :class:`~mlpkit.network.Sequential` by finite differences.

    The model must be float64. Dropout layers must have a ``fixed_mask`` (otherwise each
    loss evaluation would draw a new mask). Regularisation penalties are included.

    Returns
    -------
    GradCheckReport
        One row per parameter array (layer, "W"/"b", worst index, both values, rel. error).
    """
    if model.dtype != np.float64:
        raise TypeError("check_model needs a float64 model (build the layers with dtype=np.float64)")
    for layer in model.layers:
        if hasattr(layer, "fixed_mask") and layer.rate > 0 and layer.fixed_mask is None:
            raise ValueError(f"{layer.label}: set layer.fixed_mask before a gradient check, or "
                             f"every loss evaluation draws a different dropout mask")
    X = model.check_X(X)
    y = model.check_y(y, X.shape[0])

    def loss():
        return model.loss_fn(y, model.forward(X, training=True, check=False)) + model.penalty()

    loss()
    model.backward(y, check=False)
    analytic = [g.copy() for g in model.gradients()]
    report = GradCheckReport(tol=tol)
    k = 0
    for layer in model.layers:
        names = ["W", "b"] if len(layer.parameters()) == 2 else [f"p{j}" for j in range(len(layer.parameters()))]
        for name, p in zip(names, layer.parameters()):
            numeric = numerical_gradient(loss, p, eps, order)
            report.rows.append(_row(layer.label, name, analytic[k], numeric))
            k += 1
    return report


def check_layer(layer, X, eps=1e-3, tol=1e-7, rng=None, order=4):
    """Check one layer alone with the scalar L = Σ (A ⊙ R) for a fixed random R.

    Its gradient w.r.t. A is R, so backward(R) must give dW, db and dX that match finite
    differences. Returns a :class:`GradCheckReport` with rows for W, b and X.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    X = np.array(X, dtype=np.float64)
    R = rng.standard_normal(layer.forward(X).shape)

    def loss():
        return float(np.sum(layer.forward(X) * R))

    loss()
    dX = layer.backward(R)
    analytic = [g.copy() for g in layer.gradients()] + [dX]
    report = GradCheckReport(tol=tol)
    names = ["W", "b"] if len(layer.parameters()) == 2 else [f"p{j}" for j in range(len(layer.parameters()))]
    for name, p, a in zip(names + ["X"], layer.parameters() + [X], analytic):
        report.rows.append(_row(layer.label, name, a, numerical_gradient(loss, p, eps, order)))
    return report
