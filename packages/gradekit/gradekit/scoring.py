"""Scores, decided outside the sandbox: the student's records against the reference's.

A test cell scores its points when every record the reference solution produced in that cell has
a counterpart from the student's run (same name, same position among records of that name) that
agrees with it — within the *reference's* tolerances (the student's are never read) — and the
student's graded functions did not call a library function the exercise forbids. Records the
student's run invented, changed or duplicated gain nothing: values must match values the
notebook never saw.
"""
import math

import numpy as np
from nbcheck.messages import mismatch
from nbcheck.records import MIME, decode

from . import diagnose
from .course import is_test_cell

__all__ = ["records_by_cell", "score_cell", "Verdict"]


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


def _compare(ref, got):
    """None if the student's record ``got`` agrees with the reference record ``ref``, else why not."""
    name = ref["name"]
    kind = ref.get("kind")
    if got.get("kind") != kind:
        return f"{name}: not checked (the test did not get that far)"
    try:
        if kind == "value":
            expected, value = decode(ref["value"]), decode(got["value"])
            if isinstance(expected, dict) or isinstance(value, dict):
                return None if expected == value else f"{name} is not what was expected"
            if isinstance(expected, np.ndarray):
                problem = mismatch(value if isinstance(value, np.ndarray) else value, expected, name,
                                   _tolerance(ref, "rtol", 1e-6), _tolerance(ref, "atol", 1e-9))
                if problem and ref.get("diagnose") and isinstance(value, np.ndarray):
                    cause = diagnose.likely_mistake(ref["diagnose"], value, ref.get("inputs"))
                    problem += f". Likely mistake: {cause}" if cause else ""
                return problem
            return None if value == expected else f"{name} is {value!r}, expected {expected!r}"
        if kind == "true":
            return None if decode(got["value"]) is True else (got.get("message") or name)
        if kind == "expression":
            want, have = ref["value"].get("data"), got["value"].get("data")
            if got.get("problem"):
                return str(got["problem"])[:300]
            if not (isinstance(have, list) and isinstance(want, list) and len(have) == len(want)):
                return f"{name}: no value to compare"
            tol = _tolerance(ref, "tolerance", 1e-8)
            for (wr, wi), pair in zip(want, have):
                hr, hi = (float(pair[0]), float(pair[1])) if isinstance(pair, list) and len(pair) == 2 else (math.nan, 0)
                w, h = complex(float(wr), float(wi)), complex(hr, hi)
                if not abs(h - w) <= tol * max(1.0, abs(w)):
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


def score_cell(reference, student, forbid=(), error=None):
    """The :class:`Verdict` of one test cell.

    ``reference``/``student``: the cell's records from each run; ``forbid``: prefixes of library
    functions the student's code may not call (the assignment's metadata); ``error``: the error the
    student's run showed in this cell, if any (shown when a record is missing).
    """
    if not reference:
        return Verdict(False, ["the reference solution recorded nothing in this cell: tell your instructor"])
    ref_index, ref_counts = _index(reference)
    got_index, got_counts = _index([r for r in student if isinstance(r, dict)])
    messages = []
    for name, count in got_counts.items():
        if name in ref_counts and count != ref_counts[name]:
            messages.append(f"{name} was reported {count} times, expected {ref_counts[name]}")
    used = sorted({c for r in student for c in (r.get("calls") or []) if isinstance(c, str)
                   and any(c.startswith(p) for p in forbid)})
    if used:
        messages.append(f"your code calls {', '.join(used)}: the graded functions must be your own, not the "
                        "library's implementation of the same thing (no points for this test)")
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
