"""The student release is generated from the sources, in sync, and leaks nothing."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grading_support import ROOT, make_course

sys.path.insert(0, str(ROOT / "tools"))
import release  # noqa: E402

ASSIGNMENTS = release.assignments()


def cells(path):
    nb = json.loads(Path(path).read_text())
    return [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
             c.get("metadata", {}).get("nbgrader", {}).get("grade_id")) for c in nb["cells"]]


def validate(*args):
    out = subprocess.run([sys.executable, "-m", "nbgrader", "validate", *args], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    return out.stdout + out.stderr


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_matches_a_fresh_one(assignment, tmp_path):
    course = make_course(tmp_path, assignment)
    fresh = course / "exercises" / assignment / f"{assignment}.ipynb"
    committed = ROOT / "exercises" / assignment / f"{assignment}.ipynb"
    assert cells(committed) == cells(fresh), "exercises/ is out of date: run `make release`"
    page = ROOT / "book" / "exercises" / f"{assignment}.md"
    assert page.read_text() == release.book_page(assignment), "book/exercises page out of date: run `make release`"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_validates_and_blank_release_does_not(assignment):
    assert "Success! Your notebook passes all the tests." in validate(f"solutions/{assignment}/{assignment}.ipynb")
    blank = validate(f"exercises/{assignment}/{assignment}.ipynb")
    assert "VALIDATION FAILED" in blank
    assert "Success! The notebook does not pass any tests." in validate("--invert", f"exercises/{assignment}/{assignment}.ipynb")


def test_no_solution_or_hidden_test_in_the_release():
    hidden_lines, solution_lines, public = set(), set(), set()
    for nb in (ROOT / "solutions").glob("*/*.ipynb"):
        for _, src, _ in cells(nb):
            for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", src, flags=re.S):
                hidden_lines |= {l.strip() for l in block.splitlines() if len(l.strip()) > 20}
            for block in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", src, flags=re.S):
                solution_lines |= {l.strip() for l in block.splitlines() if len(l.strip()) > 25}
            stripped = re.sub(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n.*?### END (SOLUTION|HIDDEN TESTS)", "", src, flags=re.S)
            public |= {l.strip() for l in stripped.splitlines()}          # lines students are meant to see
    hidden_lines -= public
    solution_lines -= public
    released = "\n".join(p.read_text() for p in list((ROOT / "exercises").rglob("*.ipynb"))
                         + list((ROOT / "book" / "exercises").glob("ps*.md")))
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
        assert marker not in released
    leaked = [l for l in hidden_lines | solution_lines if l in released]
    assert not leaked, leaked[:5]


def test_every_test_cell_starts_with_a_check_docstring_and_ends_with_its_mark():
    for nb in (ROOT / "solutions").glob("*/*.ipynb"):
        data = json.loads(nb.read_text())
        for cell in data["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                src = "".join(cell["source"])
                assert src.startswith('"""Check that') or src.startswith('"""Check '), (nb.name, src[:60])
                assert src.rstrip().endswith(f'grading.passed("{meta["grade_id"]}")'), (nb.name, meta["grade_id"])
                assert meta["points"] > 0
