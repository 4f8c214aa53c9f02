"""Visible tests that do not lie: `nbgrader validate` (what a student runs) flags the corpus's wrong answers.

For every mutation of the grading corpus (a plausible wrong implementation), the visible tests
alone must fail when a student validates. At least 90 % must be flagged, and every one that is
not is listed on the instructor page (book/instructor.md, "Hidden-only checks") with its reason.
"""
import importlib
import json
import os
import re
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from grading_support import ROOT, solution_sources

pytestmark = [pytest.mark.slow]
ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())


def _notebook(assignment, replace):
    nb = json.loads((ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text())
    answers = solution_sources(assignment)
    for cell in nb["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            cell["source"] = answers[meta["grade_id"]]
        if meta.get("grade_id") in replace:
            cell["source"] = replace[meta["grade_id"]]
    return nb


def _flagged(job):
    """Does validate report a failing cell for this notebook? (runs in a worker process)"""
    assignment, name, replace = job
    from nbgrader.validator import Validator
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{assignment}.ipynb"
        path.write_text(json.dumps(_notebook(assignment, replace)))
        os.chdir(tmp)
        validator = Validator()
        validator.stream = open(os.devnull, "w")
        result = validator.validate(str(path))
    return f"{assignment}/{name}", bool(result.get("failed") or result.get("changed"))


def test_validate_flags_the_wrong_answers_and_the_page_lists_the_others():
    jobs = [(a, name, case["replace"]) for a in ASSIGNMENTS
            for name, case in importlib.import_module(f"grading_corpus.{a}").MUTATIONS.items()]
    jobs.append(("ps01", "the_solution", {}))                       # the control: it must pass
    with ProcessPoolExecutor(2) as pool:
        results = dict(pool.map(_flagged, jobs))
    assert results.pop("ps01/the_solution") is False, "validate fails the solution itself"
    missed = sorted(k for k, flagged in results.items() if not flagged)
    assert len(missed) <= 0.1 * len(results), f"validate flags only {len(results) - len(missed)} of {len(results)}"
    page = (ROOT / "book" / "instructor.md").read_text().split("## Hidden-only checks", 1)[1]
    listed = sorted(re.findall(r"^\| `([\w/]+)` \|", page, flags=re.M))
    assert listed == missed, f"book/instructor.md lists {listed}, validate misses {missed}"
