"""Records: the values a test cell hands to the grader, as plain JSON data.

In a graded run (the grader sets ``NBCHECK_RECORD=1`` inside its sandbox) every check also
*records* what the student's code produced, as a display output of MIME type
:data:`MIME`. The grader, outside the sandbox, compares each record with the record of the same
name that the instructor's reference solution produced in its own run: scores never depend on
anything decided inside the student's interpreter. Outside a graded run nothing is recorded.

A record is ``{"v": 1, "kind": ..., "name": ..., "value": ...}`` plus the check's tolerances and,
for a check inside a test's hidden part, ``"hidden": true`` (the grader marks that part with
:func:`section`; it decides what a verdict may show). The grader trusts only the reference's
records for names, tolerances and sections, never the student's, and reads every record as
untrusted data: :func:`decode` accepts only the shapes :func:`encode` makes, at bounded depth
and size, and raises ``ValueError`` on anything else.
"""
import math
import os

import numpy as _np

MIME = "application/vnd.nbcheck.record+json"
MAX_ENTRIES = 100_000            # a record larger than this is cut (and fails, with a message)
MAX_DEPTH = 4                    # dicts of arrays (a network's inputs): deeper data is not a record
__all__ = ["MIME", "encode", "decode", "emit", "recording", "section"]

_section = {"hidden": False}


def recording():
    """True inside the grader's run (the grader sets NBCHECK_RECORD=1)."""
    return os.environ.get("NBCHECK_RECORD") == "1"


def _number(x):
    x = float(x)
    return x if math.isfinite(x) else repr(x)      # 'nan', 'inf', '-inf' (JSON has no such numbers)


def encode(value):
    """A JSON-safe description of ``value``: numbers and arrays exactly, anything else by type."""
    if value is None or isinstance(value, (bool, _np.bool_)):
        return {"type": "bool" if value is not None else "none", "data": None if value is None else bool(value)}
    if isinstance(value, str):
        return {"type": "str", "data": value[:10_000]}
    if isinstance(value, dict):
        return {"type": "dict", "data": {str(k)[:200]: encode(v) for k, v in list(value.items())[:100]}}
    try:
        arr = _np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return {"type": "other", "data": type(value).__name__}
    flat = arr.ravel()
    return {"type": "array", "shape": list(arr.shape), "data": [_number(v) for v in flat[:MAX_ENTRIES]],
            "truncated": bool(flat.size > MAX_ENTRIES)}


def decode(data, depth=0):
    """The inverse of :func:`encode` for arrays (a float ndarray), else the plain value.

    Used by the grader on untrusted data: anything malformed raises ValueError (never another
    exception): wrong types, shapes that do not match their data, more than
    :data:`MAX_ENTRIES` numbers, nesting deeper than :data:`MAX_DEPTH`.
    """
    if depth > MAX_DEPTH:
        raise ValueError("record nested too deeply")
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError("not a record value")
    kind = data["type"]
    if kind == "array":
        shape, values = data.get("shape"), data.get("data")
        if not (isinstance(shape, list) and len(shape) <= 32
                and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_ENTRIES for s in shape)
                and isinstance(values, list) and math.prod(shape) == len(values) <= MAX_ENTRIES):
            raise ValueError("malformed array record")
        numbers = []
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                raise ValueError("malformed array entry")
            try:
                numbers.append(float(v))
            except (ValueError, OverflowError):
                raise ValueError("malformed array entry") from None
        return _np.array(numbers, dtype=float).reshape(shape)
    if kind == "dict":
        if not isinstance(data.get("data"), dict) or len(data["data"]) > 100:
            raise ValueError("malformed dict record")
        return {str(k)[:200]: decode(v, depth + 1) for k, v in data["data"].items()}
    if kind == "bool":
        if not isinstance(data.get("data"), bool):
            raise ValueError("malformed bool record")
        return data["data"]
    if kind in ("str", "other"):
        return str(data.get("data"))[:10_000]
    if kind == "none":
        return None
    raise ValueError("unknown record type")


def emit(kind, name, value, **extra):
    """Display one record (in a graded run only)."""
    if not recording():
        return
    from IPython.display import display
    record = {"v": 1, "kind": kind, "name": str(name), "value": value, **extra}
    if _section["hidden"]:
        record["hidden"] = True
    display({MIME: record, "text/plain": ""}, raw=True)


def section(hidden):
    """The grader's run marks where a test's hidden part starts (``True``) and ends (``False``)."""
    _section["hidden"] = bool(hidden)
