"""Checks for the graded notebooks: clear feedback for students, hard to fool for graders.

Test cells call these helpers instead of bare ``assert`` statements, so that a failure says
what is wrong (shape expected vs got, which entry differs and by how much) and never shows
the test's own source line (hidden tests stay hidden).

Defences against a submission that tries to pass tests it fails (see the book's threat-model
page): the numpy functions used here are captured when this module is first imported — in the
notebook's locked first cell, before any student code — so ``np.allclose = lambda *a: True``
later changes nothing; and every test cell ends with :func:`passed`, which prints a completion
mark that the autograder (``mlpkit.grading_nbgrader.RequireCompletion``) verifies. A test cell
without a valid mark scores 0, whether it raised, had its traceback hidden, or had these
helpers replaced (``passed`` refuses to mark when it finds them modified).
"""
import hashlib
import hmac
import os
import sys

import numpy as _np

# --- references captured at import (before student code runs) -------------------------
_asarray, _isfinite, _abs, _argmax, _unravel = _np.asarray, _np.isfinite, _np.abs, _np.argmax, _np.unravel_index
_max, _any, _all, _maximum = _np.max, _np.any, _np.all, _np.maximum

__all__ = ["GradingError", "check_array", "check_scalar", "check_true", "check_expression", "passed",
           "diagnose_gradients", "WRONG_VARIANTS"]


class GradingError(AssertionError):
    """A failed check; its message is the feedback the student sees."""


def check_array(got, expected, name, rtol=1e-6, atol=1e-9):
    """Raise GradingError unless ``got`` has ``expected``'s shape and values (within tolerance).

    The message names ``name``, the shapes, the first entry that differs and by how much.
    """
    if got is None:
        raise GradingError(f"{name} returned None: did you forget a `return`?")
    try:
        g = _asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise GradingError(f"{name} should be a numeric array, got {type(got).__name__}") from None
    e = _asarray(expected, dtype=float)
    if g.shape != e.shape:
        raise GradingError(f"{name} has shape {g.shape}, expected {e.shape}")
    if not _all(_isfinite(g)):
        raise GradingError(f"{name} contains NaN or inf")
    err = _abs(g - e)
    bad = err > atol + rtol * _abs(e)
    if _any(bad):
        idx = tuple(int(i) for i in _unravel(int(_argmax(err / (atol + rtol * _abs(e)))), e.shape))
        raise GradingError(f"{name}{list(idx) if idx else ''} is {g[idx]:.6g}, expected {e[idx]:.6g} "
                           f"(off by {err[idx]:.3g}; {int(bad.sum())} of {e.size} entries differ)")


def check_scalar(got, expected, name, rtol=1e-6, atol=1e-9):
    """check_array for a single number."""
    check_array(_asarray(got, dtype=float).reshape(()) if _asarray(got).size == 1 else got, expected, name, rtol, atol)


def check_true(condition, message):
    """Raise GradingError(message) unless ``condition`` is true."""
    if condition is not True and not (isinstance(condition, _np.bool_) and bool(condition)):
        raise GradingError(message)


def check_expression(student, expected, variable, name, timeout=5.0, points=8, rng_seed=0):
    """Check a SymPy expression by symbolic equivalence, falling back on numbers.

    First ``simplify(student - expected) == 0`` is tried for at most ``timeout`` seconds (in a
    worker thread); if that is inconclusive, both are evaluated at ``points`` random values of
    ``variable`` and must agree to 1e-8. Unparsable or non-SymPy answers get a clear message.
    """
    import threading

    import sympy as sp
    if isinstance(student, str):
        try:
            student = sp.sympify(student, locals={str(variable): variable})
        except (sp.SympifyError, SyntaxError, TypeError) as err:
            raise GradingError(f"{name}: could not read {student!r} as a formula ({type(err).__name__})") from None
    if not isinstance(student, sp.Basic):
        raise GradingError(f"{name} should be a SymPy expression in {variable}, got {type(student).__name__}")
    extra = student.free_symbols - {variable}
    if extra:
        raise GradingError(f"{name} uses symbols {sorted(map(str, extra))}; only {variable} is allowed")
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("zero", sp.simplify(student - expected) == 0),
                              daemon=True)
    worker.start()
    worker.join(timeout)
    if result.get("zero") is True:
        return
    rng = _np.random.default_rng(rng_seed)
    f_s, f_e = sp.lambdify(variable, student, "numpy"), sp.lambdify(variable, expected, "numpy")
    xs = rng.uniform(-0.6, 0.6, points)
    try:
        with _np.errstate(all="ignore"):
            ys, ye = _asarray([complex(f_s(x)) for x in xs]), _asarray([complex(f_e(x)) for x in xs])
    except Exception as err:                     # noqa: BLE001 (any failure of the student's formula)
        raise GradingError(f"{name}: could not evaluate your expression ({type(err).__name__})") from None
    diff = _abs(ys - ye) / _maximum(1.0, _abs(ye))
    if not _all(diff < 1e-8):
        i = int(_argmax(diff))
        raise GradingError(f"{name} is not equal to the right answer: at {variable} = {xs[i]:.3f} it gives "
                           f"{ys[i].real:.6g}, the right answer gives {ye[i].real:.6g}")


# --- completion marks -------------------------------------------------------------------
def _read_secret():
    path = os.environ.get("MLPKIT_GRADING_SECRET_FILE")
    if path and os.path.exists(path):
        with open(path, "rb") as f:
            secret = f.read()
        os.remove(path)                          # read once: student code that runs later cannot
        return secret
    return b"practice"                           # outside the autograder: marks mean nothing


def _make_passed(secret, originals):
    def passed(grade_id):
        """Print this test cell's completion mark (call it as the test cell's last line)."""
        module = sys.modules.get(__name__)
        tampered = [n for n, f in originals.items() if module is None or getattr(module, n, None) is not f]
        if tampered:
            sys.stdout.write(f"grading helpers were modified ({', '.join(tampered)}): no completion mark\n")
            return
        token = hmac.new(secret, str(grade_id).encode(), hashlib.sha256).hexdigest()[:16]
        sys.stdout.write(f"[completed {grade_id} {token}]\n")
    return passed


def completion_mark(secret, grade_id):
    """The mark ``passed(grade_id)`` prints under ``secret`` (used by the autograder)."""
    return f"[completed {grade_id} {hmac.new(secret, str(grade_id).encode(), hashlib.sha256).hexdigest()[:16]}]"


from .grading_diagnose import WRONG_VARIANTS, diagnose_gradients  # noqa: E402

_ORIGINALS = {n: globals()[n] for n in ("check_array", "check_scalar", "check_true", "check_expression",
                                        "diagnose_gradients")}
passed = _make_passed(_read_secret(), _ORIGINALS)
_ORIGINALS["passed"] = passed
