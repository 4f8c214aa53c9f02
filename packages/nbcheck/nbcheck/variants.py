"""Per-student numbers: the one generator the notebook and the grader share.

An exercise with numbers to work by hand gives each student their own. ``numbers(assignment,
student_id, spec)`` evaluates each expression of ``spec`` (the instructor's, e.g.
``"np.round(rng.uniform(-0.3, 0.3, 4), 1)"``) with ``rng`` seeded from the assignment and the id:
the same id always gets the same numbers, in the student's notebook (typed id, first run) and in
the grader (the id the submission was collected under). Nothing here is secret: variants stop
copying answers, not computing them.
"""
import hashlib

import numpy as _np

__all__ = ["seed", "variant_id", "numbers"]


def seed(assignment, student_id):
    return hashlib.sha256(f"backprop-checked:{assignment}:{student_id}".encode()).digest()


def variant_id(assignment, student_id):
    """A short name for a student's numbers ('public' for the release's own)."""
    return "public" if not student_id else seed(assignment, student_id).hex()[:8]


def numbers(assignment, student_id, spec):
    """{name: value} for ``student_id`` (expressions evaluated in ``spec``'s order)."""
    rng = _np.random.default_rng(int.from_bytes(seed(assignment, str(student_id))[:8], "little"))
    return {name: eval(expr, {"np": _np, "rng": rng, "__builtins__": {}}) for name, expr in spec.items()}
