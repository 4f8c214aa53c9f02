"""The reference records: what the instructor's solution produces in the same test cells.

The source notebook (solutions and hidden tests), with the student's variant numbers, runs in a
sandbox of its own — no student code is in it — and its records are what each student's records
are compared with (:mod:`gradekit.scoring`). Computed once per assignment and variant, and cached
in ``grading/reference/`` under a digest of the source, so editing the source recomputes it.
"""
import hashlib
import json

from . import sandbox, scoring, variants
from .course import is_test_cell, source_text

__all__ = ["ReferenceFailure", "executable", "records"]


class ReferenceFailure(RuntimeError):
    """The instructor's own solution fails its tests: nobody can be graded against it."""


def executable(nb):
    """A copy of ``nb`` ready to run: outputs cleared, the python3 kernel named, its test cells
    named by the SHA-256 of their source (for nbcheck's trace of library calls)."""
    tests = [hashlib.sha256(source_text(c).encode()).hexdigest() for c in nb["cells"] if is_test_cell(c)]
    return {"nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                         "nbcheck_test_cells": tests},
            "cells": [{"cell_type": c["cell_type"], "source": source_text(c), "metadata": c.get("metadata", {}),
                       **({"outputs": [], "execution_count": None} if c["cell_type"] == "code" else {})}
                      for c in nb["cells"]]}


def records(course, assignment, student, limits=sandbox.Limits(), run=sandbox.run_notebook):
    """{grade_id: [record, ...]} of the reference solution for ``student``'s variant."""
    source = course.source(assignment)
    who = student if variants.has_variants(source) else None
    nb = executable(variants.render(source, assignment, who))
    digest = hashlib.sha256(json.dumps(nb["cells"], sort_keys=True).encode()).hexdigest()[:16]
    cache = course.grading / "reference" / assignment / f"{variants.variant_id(assignment, who)}-{digest}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    result = run(nb, limits)
    found = scoring.records_by_cell(nb["cells"], result.cells)
    failures = []
    for index, cell in enumerate(nb["cells"]):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in found:
            errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in result.cells.get(index, [])
                      if o.get("output_type") == "error"]
            if errors or index not in result.cells:
                failures.append(f"{gid}: {errors[0] if errors else 'did not run'}")
            elif not found[gid]:
                failures.append(f"{gid}: records nothing (its checks must use nbcheck)")
    if result.status != "ok" or failures:
        raise ReferenceFailure(f"the reference solution of {assignment} fails its own tests "
                               f"({result.detail or '; '.join(failures)})")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(found))
    return found
