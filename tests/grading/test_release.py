"""The student release is generated from the sources, in sync, and leaks nothing."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from gradekit import release
from gradekit.course import Course
from grading_support import ROOT, make_course

ASSIGNMENTS = Course(ROOT).assignments()


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
    assert cells(committed) == cells(fresh), "exercises/ is out of date: run `gradekit generate`"
    page = ROOT / "book" / "exercises" / f"{assignment}.md"
    assert page.read_text() == release.book_page(Course(ROOT), assignment), \
        "book/exercises page out of date: run `gradekit generate`"


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


def test_every_test_cell_is_titled_records_and_leaks_no_expected_value():
    """Test cells start with a one-line docstring (feedback titles them with it); their hidden part
    only records values (an expected value computed there would sit in the student's kernel)."""
    for nb in (ROOT / "solutions").glob("*/*.ipynb"):
        data = json.loads(nb.read_text())
        for cell in data["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                src = "".join(cell["source"])
                assert re.match(r'"""[^\n]+"""\n', src), (nb.name, src[:60])
                assert meta["points"] > 0
                for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", src, flags=re.S):
                    calls = re.findall(r"check\.(\w+)\(", block)
                    assert calls, (nb.name, meta["grade_id"], "a hidden block that checks nothing")
                    assert set(calls) <= {"record", "gradient", "accuracy", "no_warnings", "true", "expression"}, \
                        (nb.name, meta["grade_id"], calls)
                    for line in block.splitlines():
                        if re.search(r"check\.(gradient|expression)\(", line):
                            assert re.search(r"check\.\w+\([^,]+, None,", line), (nb.name, line)   # no expected


def test_the_xor_gradients_printed_in_ps04_are_the_reference_ones():
    """ps04's visible test quotes the true gradients of its XOR example: generated, never retyped."""
    import numpy as np
    from gradekit.diagnose import correct_gradients
    src = "".join(c for cell in json.loads((ROOT / "solutions/ps04/ps04.ipynb").read_text())["cells"]
                  for c in cell["source"])
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    rng = np.random.default_rng(0)
    args = dict(W1=rng.normal(size=(2, 3)), b1=rng.normal(size=3), W2=rng.normal(size=(3, 1)), b2=rng.normal(size=1))
    right = correct_gradients(X, Y, **args)
    for key in ("dW2", "db2", "dW1", "db1"):
        literal = re.search(rf'check\.gradient\(got\["{key}"\], (np\.array\(.*?\)), "{key} on XOR"', src, re.S)
        assert literal, key
        # printed with 17 digits; another CPU's exp and BLAS may differ in the last bits (the
        # visible check itself allows rtol 1e-6), so 64 ulp of slack
        np.testing.assert_allclose(eval(literal.group(1), {"np": np}), right[key], rtol=64 * 2.2e-16, atol=1e-17)


def test_a_students_numbers_are_the_same_in_the_notebook_and_in_the_grader():
    """The public release derives a student's numbers from the id typed in it (first run); the grader
    writes the same numbers as literals for the id the work was collected under."""
    import numpy as np
    from gradekit import variants
    from nbcheck.variants import numbers
    for assignment in ("ps01", "ps04"):
        source = Course(ROOT).source(assignment)
        spec = next(c["metadata"]["gradekit"]["variant"] for c in source["cells"]
                    if c["metadata"].get("gradekit", {}).get("variant"))
        ours = numbers(assignment, "alice", spec)
        cells = variants.rendered_cells(source, assignment, "alice")
        namespace = {"np": np}
        for text in cells.values():
            exec(text, namespace)                     # the grader's literals (and the blanked derive cell)
        for name, value in ours.items():
            np.testing.assert_array_equal(namespace[name], value)          # printed with 17 digits: exact
        assert not np.array_equal(numbers(assignment, "bob", spec)[next(iter(spec))], ours[next(iter(spec))])
        public = json.loads((ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text())
        assert variants.claimed(public, assignment) == ("public", None)
        for cell in public["cells"]:
            if cell["metadata"].get("gradekit", {}).get("student_id"):
                cell["source"] = 'STUDENT_ID = "bob"'
        assert variants.claimed(public, assignment) == (variants.variant_id(assignment, "bob"), "bob")
