"""Scores and verdicts, decided outside the sandbox: the student's records against the reference's.

A test cell scores its points when every record the reference solution produced in that cell has
a counterpart from the student's run (same name, same position among records of that name) that
agrees with it — within the *reference's* tolerances (the student's are never read). Records the
student's run invented, changed or duplicated gain nothing: values must match values the
notebook never saw. What the exercise forbids (mlpkit, scipy, ...) is not in the sandbox at all
(:func:`gradekit.course.declared_imports`), so nothing here asks what the student's code called.

Every message is a fixed template whose only variable parts are the *reference's* check names
and a few short numbers: no text the grading run's kernel produced (printed output, exception
messages, strings it returned, its own record names) reaches a student. For a check in a test's
hidden part the numbers say how many entries differ, never the expected values.
"""
import math

import numpy as np
from nbcheck.messages import mismatch
from nbcheck.records import MIME, decode

from . import diagnose
from .course import is_test_cell

__all__ = ["records_by_cell", "score_cell", "Verdict", "error_phrase"]

#: exception names a verdict may show (a fixed set: an exception class the student defined is
#: "an exception"); the message of an exception is never shown
KNOWN_ERRORS = frozenset({
    "NameError", "NotImplementedError", "TypeError", "ValueError", "IndexError", "KeyError", "AttributeError",
    "ZeroDivisionError", "ModuleNotFoundError", "ImportError", "CheckError", "AssertionError", "RecursionError",
    "MemoryError", "FloatingPointError", "OverflowError", "SyntaxError", "IndentationError", "RuntimeError",
    "UnboundLocalError", "NotAllowedImport", "KeyboardInterrupt", "LinAlgError", "StopIteration"})


def error_phrase(ename, declared=()):
    """What a verdict says about an error the student's run showed in a cell: its name only."""
    if ename == "NotImplementedError":
        return "not attempted yet: your code above still raises NotImplementedError"
    if ename in ("ModuleNotFoundError", "NotAllowedImport", "ImportError"):
        allowed = ", ".join(sorted({d.split("[")[0] for d in declared})) or "nothing"
        return f"{ename}: this exercise may import only {allowed} and the standard library"
    if ename == "KeyboardInterrupt":
        return "the cell ran too long and was interrupted"
    return ename if ename in KNOWN_ERRORS else "an exception"



class Verdict:
    """The outcome of one test cell: ``ok`` and the messages a student reads."""

    def __init__(self, ok, messages):
        self.ok, self.messages = ok, messages

    def __repr__(self):
        return f"Verdict({self.ok}, {self.messages})"


def records_by_cell(cells, outputs):
    """{grade_id: [record, ...]} from a notebook's cells and a run's outputs ({index: outputs})."""
    by_cell = {}
    for index, cell in enumerate(cells):
        if not is_test_cell(cell):
            continue
        found = []
        for output in outputs.get(index, []):
            record = output.get("data", {}).get(MIME) if isinstance(output, dict) else None
            if isinstance(record, dict) and isinstance(record.get("name"), str):
                found.append(record)
        by_cell[cell["metadata"]["nbgrader"]["grade_id"]] = found
    return by_cell


def _index(records):
    """{(name, k): record} where k counts earlier records of the same name."""
    seen, out = {}, {}
    for record in records:
        k = seen.get(record["name"], 0)
        seen[record["name"]] = k + 1
        out[(record["name"], k)] = record
    return out, seen


def _tolerance(record, key, default):
    value = record.get(key, default)
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) and value >= 0 else default


def _numbers(value):
    """``value`` as a float array, or None when it is not numbers (a string, a dict, None ...)."""
    if isinstance(value, (str, dict)) or value is None:
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None


def _hidden_mismatch(value, expected, name, rtol, atol):
    """:func:`nbcheck.messages.mismatch` without the expected values: shapes and a count only."""
    g, e = _numbers(value), np.asarray(expected, dtype=float)
    if g is None:
        return f"{name} is not a number or an array of numbers"
    if g.shape != e.shape:
        return f"{name} has shape {g.shape}, expected {e.shape}"
    with np.errstate(all="ignore"):
        bad = ~(np.abs(g - e) <= atol + rtol * np.abs(e))
    return f"{name}: {int(bad.sum())} of {e.size} entries differ from the expected values" if bad.any() else None


_KIND_WORD = {"value": "a value", "true": "a condition", "expression": "a formula", "accuracy": "predictions"}


def _compare(ref, got):
    """None if the student's record ``got`` agrees with the reference record ``ref``, else why not."""
    name = ref["name"]
    kind = ref.get("kind")
    hidden = bool(ref.get("hidden"))
    if got.get("kind") != kind:
        return f"{name}: not checked (the test recorded something else here)"
    try:
        if kind == "value":
            expected, value = decode(ref["value"]), decode(got["value"])
            if isinstance(expected, dict) or isinstance(value, dict):
                return None if _same(expected, value) else f"{name} is not what was expected"
            rtol, atol = _tolerance(ref, "rtol", 1e-6), _tolerance(ref, "atol", 1e-9)
            if isinstance(expected, np.ndarray):
                if hidden:
                    problem = _hidden_mismatch(value, expected, name, rtol, atol)
                else:
                    numbers = _numbers(value)
                    problem = (mismatch(numbers, expected, name, rtol, atol) if numbers is not None
                               else f"{name} should be a number or an array of numbers")
                if problem and ref.get("diagnose") and isinstance(value, np.ndarray):
                    cause = diagnose.likely_mistake(ref["diagnose"], value, ref.get("inputs"))
                    problem += f". Likely mistake: {cause}" if cause else ""
                return problem
            if _same(expected, value):
                return None
            shown = not hidden and all(v is None or isinstance(v, (bool, int, float)) for v in (value, expected))
            return f"{name} is {value!r}, expected {expected!r}" if shown else f"{name} is not what was expected"
        if kind == "true":
            return None if decode(got["value"]) is True else f"{name}: not so in your notebook"
        if kind == "expression":
            want, have = ref["value"].get("data"), got["value"].get("data")
            if got.get("problem"):
                return f"{name} could not be read as a formula in the exercise's variable"
            if not (isinstance(have, list) and isinstance(want, list) and len(have) == len(want)):
                return f"{name}: no value to compare"
            tol = _tolerance(ref, "tolerance", 1e-8)
            for (wr, wi), pair in zip(want, have):
                hr, hi = (float(pair[0]), float(pair[1])) if isinstance(pair, list) and len(pair) == 2 else (math.nan, 0)
                w, h = complex(float(wr), float(wi)), complex(hr, hi)
                if not abs(h - w) <= tol * max(1.0, abs(w)):
                    if hidden:
                        return f"{name} is not the right formula"
                    return f"{name} is not the right formula (it gives {h.real:.6g} where the answer gives {w.real:.6g})"
            return None
        if kind == "accuracy":
            truth, predicted = decode(ref["truth"]), decode(got["value"])
            if not isinstance(predicted, np.ndarray) or predicted.shape != truth.shape:
                return f"{name}: the predictions do not have one label per held-out sample"
            share = float(np.mean(predicted == truth))
            at_least = _tolerance(ref, "at_least", 1.0)
            return None if share >= at_least else f"{name} is {share:.1%}, below the {at_least:.0%} required"
    except (ValueError, TypeError, KeyError, AttributeError):
        return f"{name}: the value could not be read"
    return f"{name}: unknown check"


def _same(expected, value):
    """Equality of two decoded records that cannot raise (arrays inside dicts compare exactly)."""
    if isinstance(expected, dict) and isinstance(value, dict):
        return expected.keys() == value.keys() and all(_same(expected[k], value[k]) for k in expected)
    if isinstance(expected, np.ndarray) or isinstance(value, np.ndarray):
        return (isinstance(expected, np.ndarray) and isinstance(value, np.ndarray) and expected.shape == value.shape
                and bool(np.array_equal(expected, value, equal_nan=False)))
    try:
        return type(expected) is type(value) and bool(expected == value)
    except Exception:                            # noqa: BLE001 (a record is data: no comparison may stop grading)
        return False


def score_cell(reference, student, error=None):
    """The :class:`Verdict` of one test cell.

    ``reference``/``student``: the cell's records from each run; ``error``: what stopped the
    student's run in this cell, if anything, as :func:`error_phrase` wrote it (shown when a record
    is missing).
    """
    if not reference:
        return Verdict(False, ["the reference solution recorded nothing in this cell: tell your instructor"])
    ref_index, ref_counts = _index(reference)
    got_index, got_counts = _index([r for r in student if isinstance(r, dict)])
    messages = []
    for name, count in ref_counts.items():
        if got_counts.get(name, 0) > count:
            messages.append(f"{name} was reported {got_counts[name]} times, expected {count}")
    for key, ref in ref_index.items():
        got = got_index.get(key)
        if got is None:
            reason = f" ({error})" if error else ""
            messages.append(f"{ref['name']}: not checked — the test stopped before it{reason}")
            break
        problem = _compare(ref, got)
        if problem:
            messages.append(problem)
    return Verdict(not messages, messages)
