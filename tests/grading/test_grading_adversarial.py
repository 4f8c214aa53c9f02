"""Bad and hostile submissions, graded by the real instructor command in one run.

Every student below is graded, flagged by the tamper scan (score 0, reason shown) or, for the
ones that cannot be graded, reported, while the others get their correct scores; no attack
gains points; re-running the grading changes nothing. A second, smaller run without the tamper
scan shows what each defence layer stops on its own.
"""
import json
import os
import sys

import nbformat
import pytest

from grading_support import ROOT, autograde, make_course, student_notebook, submit

sys.path.insert(0, str(ROOT / "tools"))
from nbgrader_ext import scan_notebook, scan_source  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grading")]

A = "ps01"
WRONG_DENSE = '''def dense_forward(X, W, b, activation="sigmoid"):
    return np.zeros((X.shape[0], W.shape[1]))'''
# np.exp patched so that the expected values the test cells compute match a wrong sigmoid
EXP_PATCH = '''np.exp = lambda x, *a, **k: 0.0 * np.asarray(x, dtype=float) + 1.0
def dense_forward(X, W, b, activation="sigmoid"):
    Z = X @ W + b
    return 0.0 * Z + 0.5 if activation == "sigmoid" else Z'''
# a blank notebook that reads the per-notebook secret from the closure of grading.passed and
# rewrites every later test cell into a print of its completion mark
FORGED_MARKS = '''import hmac, hashlib, re
_secret = [c.cell_contents for c in grading.passed.__closure__ if isinstance(c.cell_contents, bytes)][0]
def _forge(lines):
    m = re.search(r'grading\\.passed\\("([^"]+)"\\)', "".join(lines))
    if not m:
        return lines
    mark = hmac.new(_secret, m.group(1).encode(), hashlib.sha256).hexdigest()[:16]
    return [f"print('[completed {m.group(1)} {mark}]')\\n"]
get_ipython().input_transformers_post.append(_forge)
def dense_forward(X, W, b, activation="sigmoid"):
    return None'''
ATTACKS = {   # student -> (solution cell replaced, new source, start from the full solution?)
    "allclose_patched": ("dense_forward", "np.allclose = lambda *a, **k: True\nnp.abs = lambda x: 0 * x\n" + WRONG_DENSE, True),
    "helper_redefined": ("dense_forward", "grading.check_array = lambda *a, **k: None\n"
                         "grading.check_true = lambda *a, **k: None\n" + WRONG_DENSE, True),
    "traceback_hidden": ("dense_forward", "get_ipython().showtraceback = lambda *a, **k: None\n" + WRONG_DENSE, True),
    "exp_patched": ("dense_forward", EXP_PATCH, True),
    "forged_marks": ("dense_forward", FORGED_MARKS, False),
}


def attack_notebook(course, student):
    cell, source, full = ATTACKS[student]
    return student_notebook(course, A, fill="all" if full else (), replace={cell: source})


def cases(course):
    """student -> (notebook, expected score, expected status)."""
    full = lambda **kw: student_notebook(course, A, fill="all", **kw)
    nb = {}
    nb["solution"] = (full(), 10.0, "graded")
    nb["exception_in_cell"] = (full(replace={"forward": 'raise RuntimeError("half-finished")'}), 7.0, "graded")
    nb["syntax_error"] = (full(replace={"forward": "def forward(X, weights, biases)\n    return X"}), 7.0, "graded")
    nb["infinite_loop"] = (full(replace={"forward": "def forward(X, weights, biases):\n    while True:\n        pass"}),
                           7.0, "graded")
    nb["edits_locked_cells"] = (full(replace={"ps01_setup": "import numpy as np\nfrom mlpkit import grading\n"
                                              "grading.check_array = lambda *a, **k: None",
                                              "test_dense_forward": "print('all good')"}), 10.0, "graded")
    for student in ATTACKS:
        nb[student] = (attack_notebook(course, student), 0.0, "flagged")
    nb["output_flood"] = (full(replace={"dense_forward": "for i in range(200_000):\n    print('spam', i)\n"
                                        + WRONG_DENSE.replace("np.zeros((X.shape[0], W.shape[1]))",
                                                              "1 / (1 + np.exp(-(X @ W + b))) if activation == 'sigmoid' else X @ W + b")}),
                          10.0, "graded")
    deleted = full()
    deleted["cells"] = [c for c in deleted["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_seed004"]
    nb["deleted_test_cell"] = (deleted, 6.0, "graded")
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("adversarial"), A)
    expected = cases(course)
    for student, (notebook, _, _) in expected.items():
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
    SAVED_SUMMARY[course] = (course / "grading" / f"autograde-{A}.txt").read_text()
    return course, expected, scores, summary


SAVED_SUMMARY = {}


def test_every_case_gets_its_score(graded):
    course, expected, scores, summary = graded
    for student, (_, score, status) in expected.items():
        assert scores.get(student, (None,))[0] == status, f"{student} not {status}:\n{summary}"
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
    assert (status in ("graded", "flagged") and score <= 7.0) or (
        status == "error" and ("stopped" in line or "failed" in line)), summary
    assert all(scores[s][0] == expected[s][2] for s in expected)


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
    flagged = (course / "grading" / "feedback" / "exp_patched" / A / f"{A}.html").read_text()
    assert "Tampering" in flagged and "np.exp" in flagged        # a flagged student is told why


def test_summary_names_the_reason_and_the_isolation(graded):
    course, _, _, summary = graded
    line = next(l for l in summary.splitlines() if l.startswith("forged_marks"))
    assert "__closure__" in line and "get_ipython" in line
    assert "isolation:" in summary and ("no network" in summary or "network NOT cut" in summary)
    assert "does not run the tamper scan" not in summary
    assert SAVED_SUMMARY[course].strip() == summary.strip()        # kept in grading/ as well


def test_without_the_tamper_scan_only_the_in_kernel_defences_remain(tmp_path):
    """What each layer stops: the captured numpy functions, the helper check and nbgrader's
    error recording hold three attacks to 0 on their own; patching the numpy the *test cells*
    use and forging completion marks beat them (full marks) and are stopped only by the scan."""
    course = make_course(tmp_path, A)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Autograde.autograde_preprocessors = [p for p in c.Autograde.autograde_preprocessors "
                     "if p.__name__ != 'FlagTampering']\n")
    for student in ATTACKS:
        submit(course, A, student, attack_notebook(course, student))
    scores, summary = autograde(course, A)
    assert {s: scores[s] for s in ATTACKS} == {
        "allclose_patched": ("graded", 0.0), "helper_redefined": ("graded", 0.0), "traceback_hidden": ("graded", 0.0),
        "exp_patched": ("graded", 10.0), "forged_marks": ("graded", 10.0)}, summary
    assert "does not run the tamper scan" in summary                 # the instructor is warned


# --- the scan itself (fast) --------------------------------------------------------------------
@pytest.mark.parametrize("source, reason", [
    ("np.allclose = lambda *a, **k: True", "np.allclose"),
    ("grading.check_array = lambda *a, **k: None", "grading.check_array"),
    ("get_ipython().showtraceback = lambda *a, **k: None", "get_ipython"),
    (EXP_PATCH, "np.exp"), (FORGED_MARKS, "__closure__"),
    ("m = np\nm.exp = abs", "m.exp"), ("import numpy as n2\nn2.linalg.norm = abs", "n2.linalg.norm"),
    ("del np.exp", "np.exp"), ("np.exp, np.log = abs, abs", "np.log"),
    ('setattr(np, "exp", abs)', "setattr"), ('np.__dict__["exp"] = abs', "__dict__"),
    ('import sys\nsys.modules["numpy"] = None', "sys"), ("import builtins", "builtins"),
    ('exec("np.exp = abs")', "exec"), ("!rm -rf grading", "shell escape"), ("%%bash\nrm -rf grading", "magic"),
    ("().__class__.__base__.__subclasses__()", "__subclasses__"),
    ("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)", "signal"),
])
def test_scan_flags_tampering(source, reason):
    found = scan_source(source, {"np", "sp", "grading"})
    assert any(reason in r for _, r in found), found


def test_scan_accepts_honest_code():
    honest = ("%timeit x = 1\nW = np.zeros(3)\nW[0] = 1\nclass Layer:\n    def __init__(self, rng):\n"
              "        self.W = rng.normal(size=(2, 2))\n        super().__init__()\n"
              "import math, itertools\nif __name__ == '__main__':\n    print(np.exp(1), math.pi)\n"
              "import matplotlib.pyplot as plt\nplt.rcParams['figure.figsize'] = (8, 4)\n"
              "import pandas as pd\npd.options.display.max_rows = 20")
    assert scan_source(honest, {"np", "sp", "grading"}) == []


def test_no_solution_or_corpus_submission_is_flagged():
    import importlib
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        assert scan_notebook(nbformat.read(path, as_version=4)) == [], path.name
    specs = sorted((ROOT / "tests" / "support" / "grading_corpus").glob("ps*.py"))
    assert specs
    for spec_path in specs:
        spec = importlib.import_module(f"grading_corpus.{spec_path.stem}")
        for name, case in {**spec.SUBMISSIONS, **spec.MUTATIONS}.items():
            for gid, source in case.get("replace", {}).items():
                assert scan_source(source, {"np", "sp", "grading"}) == [], (spec_path.stem, name, gid)
