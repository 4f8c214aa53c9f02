"""What a student reads when a check fails: the problem first, then the likely cause.

These functions only *format*; they hold no answers. The grader uses the same wording for the
checks it runs outside the student's notebook, so validate and the graded feedback agree.
"""
import linecache
import re
import warnings

import numpy as _np

__all__ = ["mismatch", "gradient_hint", "warning_message", "install_warning_messages"]

# numpy's RuntimeWarning texts -> what to do about them (chapters 6 and 9 of the book)
_WARNING_HINTS = [
    (r"overflow encountered in exp", "The exponential overflowed because z is large. Use the stable form of "
     "chapter 6: for the sigmoid, e^z / (1 + e^z) when z < 0; for softmax, subtract each row's maximum "
     "before exp"),
    (r"divide by zero encountered in log", "log(0) was taken. Clip probabilities away from 0 (chapter 4)"),
    (r"invalid value encountered", "A NaN was produced (inf − inf, 0 · inf or 0 / 0). Look for an overflow earlier"),
    (r"overflow encountered", "A number grew past 1.8e308. Check the scale of your inputs and the learning rate"),
    (r"divide by zero", "A division by zero. Check the denominators"),
]


def _fmt(x):
    return f"{x:.6g}" if isinstance(x, float) else repr(x)


def mismatch(got, expected, name, rtol=1e-6, atol=1e-9):
    """None when ``got`` matches ``expected``; else one sentence saying where and by how much."""
    if got is None:
        return f"{name} returned None: did you forget a `return`?"
    try:
        g = _np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{name} should be a number or an array of numbers, got {type(got).__name__}"
    e = _np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        hint = ""
        if g.ndim == 2 and g.shape[::-1] == e.shape:
            hint = " — transposed? Rows are samples: W is (d_in, d_out) and dW = A_prevᵀ @ dZ"
        elif g.size == e.size:
            hint = " — same entries in another shape: check keepdims / the axis of a sum"
        return f"{name} has shape {g.shape}, expected {e.shape}{hint}"
    with _np.errstate(all="ignore"):
        if not _np.all(_np.isfinite(g)) and _np.all(_np.isfinite(e)):
            i = tuple(int(k) for k in _np.argwhere(~_np.isfinite(g))[0]) if g.ndim else ()
            return f"{name}{list(i) if i else ''} is {g[i] if i else g}, expected a finite number (an overflow? see chapter 6)"
        err = _np.abs(g - e)
        scale = atol + rtol * _np.abs(e)
        bad = ~(err <= scale)
    if not _np.any(bad):
        return None
    idx = tuple(int(i) for i in _np.unravel_index(int(_np.argmax(_np.where(bad, err / scale, -1))), e.shape))
    where = f"{list(idx)}" if idx else ""
    return (f"{name}{where} is {_fmt(float(g[idx]))}, expected {_fmt(float(e[idx]))} "
            f"(off by {float(err[idx]):.3g}; {int(bad.sum())} of {e.size} entries differ)")


def gradient_hint(got, expected, n=None):
    """A likely cause when a gradient differs from the true one by a telling factor (or None)."""
    g, e = _np.asarray(got, dtype=float), _np.asarray(expected, dtype=float)
    if g.shape != e.shape or not _np.any(_np.abs(e) > 1e-12):
        return None
    mask = _np.abs(e) > 1e-12
    ratio = g[mask] / e[mask]
    if _np.allclose(ratio, ratio.flat[0], rtol=1e-6):
        r = float(ratio.flat[0])
        for factor, cause in ((-1.0, "the sign is flipped: dA = (A − Y)/n, not (Y − A)/n"),
                              (2.0, "twice too large: the ½ of the loss cancels the 2 of the square"),
                              (0.5, "half too small: the derivative of (a − y)² is 2(a − y)")):
            if abs(r - factor) < 1e-6:
                return cause
        if n and abs(r - n) < 1e-6:
            return f"{n} times too large: the loss averages over the {n} samples, so dA needs the 1/n"
        if n and abs(r - 1 / n) < 1e-9:
            return f"{n} times too small: divide by n once, not twice"
    return None


def _function_at(filename, lineno):
    """The name of the def enclosing line ``lineno`` of a notebook cell, or None."""
    for number in range(lineno, 0, -1):
        match = re.match(r"\s*def\s+(\w+)", linecache.getline(filename, number))
        if match:
            return match.group(1)
    return None


def warning_message(message, filename=None, lineno=None):
    """'In your function sigmoid (line 3): overflow encountered in exp — <what to do>'."""
    text = str(message)
    hint = next((h for pattern, h in _WARNING_HINTS if re.search(pattern, text)), None)
    where = ""
    if filename and lineno:
        function = _function_at(filename, lineno)
        where = f"in your function `{function}` " if function else ""
        where += f"(line {lineno} of its cell): "
    return f"Warning {where}{text}." + (f" {hint}." if hint else "")


def install_warning_messages():
    """Show numpy's RuntimeWarnings as actionable messages (called when nbcheck is imported)."""
    original = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, RuntimeWarning):
            import sys
            (file or sys.stderr).write(warning_message(message, filename, lineno) + "\n")
            return
        original(message, category, filename, lineno, file, line)

    warnings.showwarning = show
