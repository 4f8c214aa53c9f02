"""Bad and hostile submissions, graded by the real instructor command in one run.

Every student below is graded (or, for the two that cannot be, reported) while the others get
their correct scores; no attack gains points; re-running the grading changes nothing.
"""
import json
import os

import pytest

from grading_support import autograde, make_course, student_notebook, submit

pytestmark = [pytest.mark.slow]

A = "ps01"
WRONG_DENSE = '''def dense_forward(X, W, b, activation="sigmoid"):
    return np.zeros((X.shape[0], W.shape[1]))'''


def cases(course):
    full = lambda **kw: student_notebook(course, A, fill="all", **kw)
    nb = {}
    nb["solution"] = (full(), 10.0)
    nb["exception_in_cell"] = (full(replace={"forward": 'raise RuntimeError("half-finished")'}), 7.0)
    nb["syntax_error"] = (full(replace={"forward": "def forward(X, weights, biases)\n    return X"}), 7.0)
    nb["infinite_loop"] = (full(replace={"forward": "def forward(X, weights, biases):\n    while True:\n        pass"}), 7.0)
    nb["edits_locked_cells"] = (full(replace={"ps01_setup": "import numpy as np\nfrom mlpkit import grading\n"
                                              "grading.check_array = lambda *a, **k: None",
                                              "test_dense_forward": "print('all good')"}), 10.0)
    nb["allclose_patched"] = (full(replace={"dense_forward": "np.allclose = lambda *a, **k: True\n"
                                            "np.abs = lambda x: 0 * x\n" + WRONG_DENSE}), 0.0)
    nb["helper_redefined"] = (full(replace={"dense_forward": "grading.check_array = lambda *a, **k: None\n"
                                            "grading.check_true = lambda *a, **k: None\n" + WRONG_DENSE}), 0.0)
    nb["traceback_hidden"] = (full(replace={"dense_forward": "get_ipython().showtraceback = lambda *a, **k: None\n"
                                            + WRONG_DENSE}), 0.0)
    nb["output_flood"] = (full(replace={"dense_forward": "for i in range(200_000):\n    print('spam', i)\n"
                                        + WRONG_DENSE.replace("np.zeros((X.shape[0], W.shape[1]))",
                                                              "1 / (1 + np.exp(-(X @ W + b))) if activation == 'sigmoid' else X @ W + b")}), 10.0)
    deleted = full()
    deleted["cells"] = [c for c in deleted["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_seed004"]
    nb["deleted_test_cell"] = (deleted, 6.0)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("adversarial"), A)
    expected = cases(course)
    for student, (notebook, _) in expected.items():
        submit(course, A, student, notebook)
    submit(course, A, "memory_bomb", student_notebook(course, A, fill="all", replace={
        "forward": "def forward(X, weights, biases):\n    hog = bytearray(16 * 1024 ** 3)\n    return [X]"}))
    submit(course, A, "ignores_interrupts", student_notebook(course, A, fill="all", replace={
        "forward": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                   "def forward(X, weights, biases):\n    while True:\n        pass"}))
    submit(course, A, "not_json", '{"cells": [ this is not JSON')
    os.environ["MLPKIT_GRADE_WALL_SECONDS"] = "75"
    try:
        scores, summary = autograde(course, A)
    finally:
        os.environ.pop("MLPKIT_GRADE_WALL_SECONDS")
    return course, expected, scores, summary


def test_every_case_gets_its_score(graded):
    course, expected, scores, summary = graded
    for student, (_, score) in expected.items():
        assert scores.get(student, (None,))[0] == "graded", f"{student} not graded:\n{summary}"
        assert scores[student][1] == pytest.approx(score), f"{student}: {scores[student][1]} != {score}\n{summary}"


def test_memory_bomb_does_not_pass(graded):
    _, _, scores, summary = graded
    status, score = scores["memory_bomb"]
    assert status == "error" or score <= 7.0, summary


def test_sigint_ignoring_loop_is_reported_and_others_are_graded(graded):
    """nbgrader 0.9.6 restarts a kernel that ignores the interrupt, so the student is usually
    graded with that test failed; if grading hangs instead, tools/grade.py stops it at the
    wall-clock limit and reports it. Either way nothing passes and the others are graded."""
    _, expected, scores, summary = graded
    status, score = scores["ignores_interrupts"]
    line = next(l for l in summary.splitlines() if l.startswith("ignores_interrupts"))
    assert (status == "graded" and score <= 7.0) or (status == "error" and ("stopped" in line or "failed" in line)), summary
    assert all(scores[s][0] == "graded" for s in expected)


def test_invalid_json_is_reported_clearly(graded):
    _, _, scores, summary = graded
    assert scores["not_json"][0] == "error"
    assert "not a valid notebook" in next(l for l in summary.splitlines() if l.startswith("not_json"))


def test_output_flood_is_cut(graded):
    course, _, _, _ = graded
    nb = json.loads((course / "grading" / "autograded" / "output_flood" / A / f"{A}.ipynb").read_text())
    assert len(json.dumps(nb)) < 200_000


def test_regrading_is_safe(graded):
    course, expected, scores, _ = graded
    again, summary = autograde(course, A, ["solution", "allclose_patched", "not_json"])
    assert again["solution"] == scores["solution"] and again["allclose_patched"] == scores["allclose_patched"]
    assert again["not_json"][0] == "error"


def test_feedback_shows_messages_but_no_hidden_test_code(graded):
    import re
    import subprocess
    import sys

    from grading_support import ROOT
    course, _, _, _ = graded
    subprocess.run([sys.executable, str(ROOT / "tools" / "grade.py"), "feedback", A], cwd=course, check=True,
                   capture_output=True, timeout=600)
    source = json.loads((ROOT / "solutions" / A / f"{A}.ipynb").read_text())
    hidden = set()
    for cell in source["cells"]:
        for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", "".join(cell["source"]), flags=re.S):
            hidden |= {line.strip() for line in block.splitlines() if len(line.strip()) > 20}
    html = (course / "grading" / "feedback" / "exception_in_cell" / A / f"{A}.html").read_text()
    assert "NameError" in html                                   # the student sees what failed...
    import html as html_lib
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
    leaked = [line for line in hidden if line in text]
    assert not leaked, leaked[:3]                                # ...but none of the hidden tests
