"""nbcheck: the checks inside the graded notebooks of "Backprop, checked".

Test cells call these instead of bare ``assert``, so that a failure says what is wrong: which
function, which input, expected vs got, the likely cause. They contain **no answers**: a visible
test computes its expected value in the open, and hidden tests only hand values to the grader.

Two modes:

* **practice / validate** (a student's JupyterLab, ``nbgrader validate``): a failing check raises
  :class:`CheckError` with its message; nothing else happens.
* **graded run** (inside the grader's sandbox, ``NBCHECK_RECORD=1``): every check also *records*
  the value the student's code produced (:mod:`nbcheck.records`). The grader compares each record,
  outside the sandbox, with the reference solution's record of the same name. Whatever the
  notebook does to this module, it can only change its own records — and a record scores only if
  it agrees with values the notebook never sees.

Usage in a test cell::

    import nbcheck as check
    check.array(dense_forward(X, W, b), X @ W + b, "dense_forward(X, W, b)")   # visible
    check.record("dense_forward on a (7, 4) batch", dense_forward(X2, W2, b2))  # hidden
"""
import hashlib
import warnings as _warnings

import numpy as _np

from . import records as _records
from .messages import gradient_hint, install_warning_messages, mismatch
from .imports import imports
from .records import encode as _encode

__version__ = "0.2.0"
__all__ = ["CheckError", "array", "scalar", "true", "expression", "record", "accuracy", "gradient",
           "no_warnings", "variant", "imports"]


class CheckError(AssertionError):
    """A failed check; its message is what the student reads."""


def _emit_value(name, got, rtol, atol, **extra):
    _records.emit("value", name, _encode(got), rtol=rtol, atol=atol, **extra)


def array(got, expected, name, rtol=1e-6, atol=1e-9):
    """Check that ``got`` has ``expected``'s shape and values, to ``atol + rtol·|expected|``."""
    _emit_value(name, got, rtol, atol)
    problem = mismatch(got, expected, name, rtol, atol)
    if problem:
        raise CheckError(problem)


def scalar(got, expected, name, rtol=1e-6, atol=1e-9):
    """:func:`array` for one number (a 1-element array counts as one number)."""
    if got is not None and _np.size(got) == 1 and not isinstance(got, str):
        try:
            got = float(_np.asarray(got, dtype=float).reshape(()))
        except (TypeError, ValueError):
            pass
    array(got, expected, name, rtol, atol)


def true(condition, message, name=None):
    """Check a property (a type, a length, an inequality). ``message`` says what is wrong."""
    ok = condition is True or (isinstance(condition, _np.bool_) and bool(condition))
    _records.emit("true", name or message, {"type": "bool", "data": ok})
    if not ok:
        raise CheckError(message)


def record(name, got, rtol=1e-6, atol=1e-9):
    """Hand ``got`` to the grader, which compares it with the reference solution's value.

    For hidden tests: no expected value is computed in the notebook, so none can be read,
    patched or copied from it. Outside a graded run this does nothing.
    """
    _emit_value(name, got, rtol, atol)


def accuracy(name, predicted, truth, at_least):
    """Check that ``mean(predicted == truth) ≥ at_least``; the grader uses its own ``truth``."""
    _records.emit("accuracy", name, _encode(predicted), truth=_encode(truth), at_least=float(at_least))
    got = _np.asarray(predicted)
    expected = _np.asarray(truth)
    if got.shape != expected.shape:
        raise CheckError(f"{name}: {got.shape[0] if got.ndim else 'no'} predictions for {expected.shape[0]} samples")
    share = float(_np.mean(got == expected))
    if share < at_least:
        raise CheckError(f"{name} is {share:.1%}, below the {at_least:.0%} required")


def gradient(got, expected, name, n=None, rtol=1e-6, atol=1e-9, diagnose=None, inputs=None):
    """:func:`array` for a gradient, with the likely mistake when ``got`` is off by a telling factor.

    ``diagnose``/``inputs`` name the network and its inputs for the grader's own diagnosis of
    classic backprop mistakes (computed outside the notebook, from the reference's inputs).
    """
    extra = {"diagnose": diagnose, "inputs": _encode(inputs)} if diagnose else {}
    _emit_value(name, got, rtol, atol, **extra)
    if expected is None:
        return
    problem = mismatch(got, expected, name, rtol, atol)
    if problem:
        hint = gradient_hint(got, expected, n)
        raise CheckError(problem + (f". Likely mistake: {hint}" if hint else ""))


def _points(name, count=8, low=-0.6, high=0.6):
    seed = int.from_bytes(hashlib.sha256(str(name).encode()).digest()[:8], "little")
    return _np.random.default_rng(seed).uniform(low, high, count)


def expression(student, expected, variable, name, tolerance=1e-8):
    """Check a SymPy expression in ``variable`` by its values at 8 points fixed by ``name``.

    A string is read as a formula. The grader receives the values only (never the expression),
    and compares them with the reference's values at the same points.
    """
    import sympy as sp
    xs = _points(name)
    values = None
    problem = None
    if isinstance(student, str):
        try:
            student = sp.sympify(student, locals={str(variable): variable})
        except (sp.SympifyError, SyntaxError, TypeError) as err:
            problem = f"{name}: could not read {student!r} as a formula ({type(err).__name__})"
    if problem is None and not isinstance(student, sp.Basic):
        problem = f"{name} should be a SymPy expression in {variable}, got {type(student).__name__}"
    if problem is None and student.free_symbols - {variable}:
        extra = sorted(map(str, student.free_symbols - {variable}))
        problem = f"{name} uses symbols {extra}; only {variable} is allowed"
    if problem is None:
        try:
            values = [complex(student.subs(variable, float(x)).evalf()) for x in xs]
        except Exception as err:                 # noqa: BLE001 (any failure of the student's formula)
            problem = f"{name}: could not evaluate your expression ({type(err).__name__})"
    data = None if values is None else [[_records._number(v.real), _records._number(v.imag)] for v in values]
    _records.emit("expression", name, {"type": "points", "data": data}, tolerance=tolerance,
                  problem=problem)
    if problem:
        raise CheckError(problem)
    if expected is not None:
        want = [complex(sp.sympify(expected).subs(variable, float(x)).evalf()) for x in xs]
        for x, v, w in zip(xs, values, want):
            if not abs(v - w) <= tolerance * max(1.0, abs(w)):
                raise CheckError(f"{name} is not the right formula: at {variable} = {x:.3f} it gives "
                                 f"{v.real:.6g}, the right answer gives {w.real:.6g}")


def no_warnings(compute, name):
    """Run ``compute()`` with warnings as errors; return its value. Records whether it was silent."""
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")          # numpy's own settings decide what warns (not underflow)
        value = compute()
    problems = [w for w in caught if issubclass(w.category, (RuntimeWarning, FloatingPointError))]
    _records.emit("true", f"{name} runs without warnings", {"type": "bool", "data": not problems})
    if problems:
        from .messages import warning_message
        first = problems[0]
        raise CheckError(f"{name} warned. {warning_message(first.message, first.filename, first.lineno)}")
    return value


def variant(assignment, student_id, spec):
    """Your own numbers for an exercise (see :mod:`nbcheck.variants`): {name: value}."""
    from .variants import numbers
    return numbers(assignment, student_id, spec)


def _show_check_error(shell, etype, value, tb, tb_offset=None):
    """IPython: a failed check shows as its message alone, wrapped to short lines (nbgrader's
    validate cuts longer ones), without the frames of this module."""
    import textwrap
    lines = [f"✗ {etype.__name__}"] + [textwrap.fill(part, 78, subsequent_indent="  ")
                                        for part in str(value).splitlines() or [""]]
    shell._showtraceback(etype, value, "\n".join(lines).splitlines())


def _install_check_display():
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "set_custom_exc"):
        shell.set_custom_exc((CheckError,), _show_check_error)


install_warning_messages()
_install_check_display()
