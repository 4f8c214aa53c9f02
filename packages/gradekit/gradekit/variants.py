"""Per-student variants: where an exercise has numbers, each student gets their own.

A locked cell of a source notebook becomes a variant cell through its metadata::

    "gradekit": {"variant": {"b1": "np.round(rng.uniform(-0.3, 0.3, 4), 1)", ...}}

For a student, each named assignment line of the cell (``b1 = ...``) is replaced by the value of
its expression, written out as a literal, with ``rng`` seeded from the assignment and the student
id (the same student always gets the same numbers; nothing secret: a variant stops copying, not
computing). The first line names the variant, so the grader can tell when a notebook carries
another student's numbers. The public release (no student) keeps the cell as written.
"""
import hashlib
import re

import numpy as np

from .course import source_text

__all__ = ["variant_id", "render", "rendered_cells", "claimed", "has_variants"]

HEADER = "# Your own numbers: variant {vid} of {assignment}, for student {student}. The grader uses the same ones."
_HEADER = re.compile(r"# Your own numbers: variant (\w+) of (\S+), for student (\S+)\.")


def _seed(assignment, student):
    return hashlib.sha256(f"backprop-checked:{assignment}:{student}".encode()).digest()


def variant_id(assignment, student):
    return "public" if student is None else _seed(assignment, student).hex()[:8]


def has_variants(nb):
    return any(c.get("metadata", {}).get("gradekit", {}).get("variant") for c in nb["cells"])


def _literal(value):
    value = np.asarray(value, dtype=float)
    text = np.array2string(value, separator=", ", precision=17, floatmode="unique", max_line_width=100,
                           threshold=10 ** 6)
    return f"np.array({text})" if value.ndim else repr(float(value))


def render(nb, assignment, student):
    """A copy of ``nb`` whose variant cells hold ``student``'s numbers (``student=None``: unchanged)."""
    import copy
    out = copy.deepcopy(nb)
    if student is None:
        return out
    rng = np.random.default_rng(int.from_bytes(_seed(assignment, student)[:8], "little"))
    for cell in out["cells"]:
        spec = cell.get("metadata", {}).get("gradekit", {}).get("variant")
        if not spec:
            continue
        values = {name: eval(expr, {"np": np, "rng": rng, "__builtins__": {}})     # instructor's code
                  for name, expr in spec.items()}
        lines = [HEADER.format(vid=variant_id(assignment, student), assignment=assignment, student=student)]
        for line in source_text(cell).splitlines():
            match = re.match(r"(\w+)\s*=", line)
            lines.append(f"{match.group(1)} = {_literal(values[match.group(1)])}"
                         if match and match.group(1) in values else line)
        cell["source"] = "\n".join(lines)
    return out


def claimed(nb):
    """(variant id, student) that a submitted notebook's variant cell names, or None."""
    for cell in nb.get("cells", []):
        if cell.get("metadata", {}).get("gradekit", {}).get("variant"):
            match = _HEADER.match(source_text(cell))
            return (match.group(1), match.group(3)) if match else ("public", None)
    return None


def rendered_cells(source, assignment, student):
    """{grade_id: source text} of the variant cells of ``source`` rendered for ``student``."""
    rendered = render(source, assignment, student)
    return {c["metadata"]["nbgrader"]["grade_id"]: source_text(c) for c in rendered["cells"]
            if c.get("metadata", {}).get("gradekit", {}).get("variant")}
