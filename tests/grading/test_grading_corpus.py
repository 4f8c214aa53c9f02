"""Real `nbgrader autograde` over a corpus of submissions for every assignment.

For each assignment in solutions/: the solution scores full marks, the blank release scores
0, each partial submission scores exactly what its spec says, and every plausible wrong
implementation (a "mutation") loses points. All submissions of one assignment are graded in
one run of the instructor command (tools/grade.py autograde).
"""
import importlib
from pathlib import Path

import pytest

from grading_support import ROOT, autograde, make_course, student_notebook, submit

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
pytestmark = [pytest.mark.slow]


def test_every_assignment_has_a_corpus():
    assert ASSIGNMENTS, "solutions/ has no assignments"
    missing = [a for a in ASSIGNMENTS if not (ROOT / "tests" / "support" / "grading_corpus" / f"{a}.py").exists()]
    assert not missing, f"no corpus spec for {missing}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_corpus(assignment, tmp_path):
    spec = importlib.import_module(f"grading_corpus.{assignment}")
    course = make_course(tmp_path, assignment)
    expected = {"solution": spec.TOTAL, "blank": 0.0}
    submit(course, assignment, "solution", student_notebook(course, assignment, fill="all"))
    submit(course, assignment, "blank", student_notebook(course, assignment))
    for name, case in spec.SUBMISSIONS.items():
        submit(course, assignment, f"partial_{name}",
               student_notebook(course, assignment, fill=case.get("fill", ()), replace=case.get("replace")))
        expected[f"partial_{name}"] = case["expected"]
    for name, case in spec.MUTATIONS.items():
        submit(course, assignment, f"mutant_{name}",
               student_notebook(course, assignment, fill="all", replace=case["replace"]))
    scores, summary = autograde(course, assignment)
    for student, score in expected.items():
        assert scores.get(student, (None, None))[0] == "graded", f"{student} was not graded:\n{summary}"
        assert scores[student][1] == pytest.approx(score), f"{student}: {scores[student][1]} != {score}\n{summary}"
    for name, case in spec.MUTATIONS.items():
        status, score = scores.get(f"mutant_{name}", (None, None))
        assert status == "graded", f"mutant_{name} was not graded:\n{summary}"
        assert score <= case["max_score"] and score < spec.TOTAL, f"mutant_{name} scored {score}\n{summary}"
