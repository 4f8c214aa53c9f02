"""The reference records: what the instructor's solution produces in the same test cells.

The source notebook (solutions and hidden tests), with the student's variant numbers, runs in a
sandbox of its own, built from the same declaration as the students' (no student code is in it);
its records are what each student's records are compared with (:mod:`gradekit.scoring`). They
also carry what only the trusted side knows: each check's name, tolerances and whether it sits in
a test's hidden part. Computed once per assignment and variant, and cached in
``grading/reference/`` under a digest of the source, so editing the source recomputes it.
"""
import hashlib
import json
import re

from . import sandbox, scoring, variants
from .course import declared_imports, is_test_cell, source_text

__all__ = ["ReferenceFailure", "executable", "records"]

_MARK = re.compile(r"^([ \t]*)### (BEGIN|END) HIDDEN TESTS[ \t]*$", re.M)


class ReferenceFailure(RuntimeError):
    """The instructor's own solution fails its tests: nobody can be graded against it."""


def _sections(source):
    """A test cell's source with its hidden part marked for nbcheck (records made there say so)."""
    return _MARK.sub(lambda m: f"{m.group(1)}__import__('nbcheck').records.section({m.group(2) == 'BEGIN'})", source)


def executable(nb):
    """A copy of ``nb`` ready to run: outputs cleared, the hidden part of each test cell marked."""
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": c["cell_type"],
                       "source": _sections(source_text(c)) if is_test_cell(c) else source_text(c),
                       "metadata": c.get("metadata", {}),
                       **({"outputs": [], "execution_count": None} if c["cell_type"] == "code" else {})}
                      for c in nb["cells"]]}


def records(course, assignment, student, limits=sandbox.Limits(), run=sandbox.run_notebook):
    """{grade_id: [record, ...]} of the reference solution for ``student``'s variant.

    Raises :class:`ReferenceFailure` naming the failing test cell and the error's name.
    """
    source = course.source(assignment)
    declared = declared_imports(source)
    who = student if variants.has_variants(source) else None
    nb = executable(variants.render(source, assignment, who))
    digest = hashlib.sha256(json.dumps([declared, nb["cells"]], sort_keys=True).encode()).hexdigest()[:16]
    cache = course.grading / "reference" / assignment / f"{variants.variant_id(assignment, who)}-{digest}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    result = run(nb, limits, declared)
    found = scoring.records_by_cell(nb["cells"], result.cells)
    failures = []
    for index, cell in enumerate(nb["cells"]):
        errors = result.errors(index)
        if not is_test_cell(cell) and cell["cell_type"] == "code":
            if errors:
                failures.append(f"cell {index} ({cell['metadata'].get('nbgrader', {}).get('grade_id', 'unnamed')}) "
                                f"raises {errors[0]}")
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in found:
            if errors or index not in result.cells:
                failures.append(f"test {gid}: {'raises ' + errors[0] if errors else 'did not run'}")
            elif not found[gid]:
                failures.append(f"test {gid} records nothing (its checks must use nbcheck)")
    if result.status != "ok" or failures:
        raise ReferenceFailure(f"the reference solution of {assignment} fails in the grader's sandbox "
                               f"(imports declared: {', '.join(declared)}): {result.detail or '; '.join(failures[:3])}")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(found))
    return found
