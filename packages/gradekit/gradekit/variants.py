"""Per-student variants: where an exercise has numbers, each student gets their own.

A locked cell of a source notebook becomes a variant cell through its metadata::

    "gradekit": {"variant": {"b1": "np.round(rng.uniform(-0.3, 0.3, 4), 1)", ...}}

For a student, each named assignment line of the cell (``b1 = ...``) is replaced by the value of
its expression, written out as a literal, computed by :func:`nbcheck.variants.numbers` (the same
generator the notebook uses). The first line names the variant. The public release keeps the cell
as written and adds, for classes without ids in advance, an editable ``STUDENT_ID`` cell (metadata
``gradekit.student_id``) and a locked cell (metadata ``gradekit.variant_from_id``) that derives the
student's own numbers from the id typed there, on the notebook's first run; the grader blanks that
cell and uses the id the submission was collected under.
"""
import re

import numpy as np
from nbcheck.variants import numbers, variant_id

from .course import source_text

__all__ = ["variant_id", "render", "rendered_cells", "claimed", "has_variants"]

HEADER = "# Your own numbers: variant {vid} of {assignment}, for student {student}. The grader uses the same ones."
_HEADER = re.compile(r"# Your own numbers: variant (\w+) of (\S+), for student (\S+)\.")
_TYPED_ID = re.compile(r"""^\s*STUDENT_ID\s*=\s*["']([^"']*)["']""", re.M)
FIXED = "# The numbers above are this student's own: nothing to derive here."


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
    for cell in out["cells"]:
        meta = cell.get("metadata", {}).get("gradekit", {})
        if meta.get("variant_from_id"):
            cell["source"] = FIXED
        elif meta.get("student_id"):
            cell["source"] = f'STUDENT_ID = "{student}"   # the grader uses the id your work was collected under'
        elif meta.get("variant"):
            values = numbers(assignment, student, meta["variant"])
            lines = [HEADER.format(vid=variant_id(assignment, student), assignment=assignment, student=student)]
            for line in source_text(cell).splitlines():
                match = re.match(r"(\w+)\s*=", line)
                lines.append(f"{match.group(1)} = {_literal(values[match.group(1)])}"
                             if match and match.group(1) in values else line)
            cell["source"] = "\n".join(lines)
    return out


def claimed(nb, assignment):
    """(variant id, student) whose numbers a submitted notebook carries, or None if it has none.

    A personal release names them in its variant cell's first line; a public release derives them
    from the id typed in its STUDENT_ID cell (empty: the release's own numbers, 'public').
    """
    variant_cell = typed = None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata", {}), dict):
            continue
        meta = cell.get("metadata", {}).get("gradekit", {})
        if not isinstance(meta, dict) or not isinstance(cell.get("source", ""), (str, list)):
            continue
        if isinstance(cell.get("source"), list) and not all(isinstance(x, str) for x in cell["source"]):
            continue
        if meta.get("variant") and variant_cell is None:
            variant_cell = source_text(cell)
        if meta.get("student_id") or _TYPED_ID.search(source_text(cell) if cell.get("cell_type") == "code" else ""):
            match = _TYPED_ID.search(source_text(cell))
            typed = match.group(1).strip() if match else typed
    if variant_cell is None:
        return None
    match = _HEADER.match(variant_cell)
    if match:
        return match.group(1), match.group(3)
    return (variant_id(assignment, typed), typed) if typed else ("public", None)


def rendered_cells(source, assignment, student):
    """{grade_id: source text} of the cells the grader writes for ``student`` (variant cells and
    the derive-from-id cell)."""
    rendered = render(source, assignment, student)
    return {c["metadata"]["nbgrader"]["grade_id"]: source_text(c) for c in rendered["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            and {"variant", "variant_from_id"} & set(c.get("metadata", {}).get("gradekit", {}))}
