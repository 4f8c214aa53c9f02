"""The course kit installs and works with no network, outside the repository.

Builds the kit (tools/build_kit.py) from the built book, unzips it in a temporary folder,
installs it into a fresh venv exactly as the "Get started" page says (``pip install --no-index
--find-links``, pip's site configuration ignored, and the network namespace cut off where
``unshare -n`` works), then: executes one chapter notebook from the kit, runs ``nbgrader
validate`` on a blank exercise (it must report failing tests, not import errors), and checks that
JupyterLab has nbgrader's exchange panels off and its Validate plugin on.
"""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from book_support import ROOT, require_built_book

import build_kit                                 # tools/ is on pytest's pythonpath (pyproject.toml)

pytestmark = [pytest.mark.slow, pytest.mark.book, pytest.mark.xdist_group("kit")]

CHAPTER = "ch08_backprop_deltas"      # imports mlpkit, glues numbers, shows a gradcheck table


def _no_net_prefix():
    """Run a command in a network namespace of its own with only loopback up (kernels talk to
    JupyterLab over 127.0.0.1); [] where that is not allowed (then --no-index alone keeps pip off
    the network)."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if not (unshare and ip):
        return []
    prefix = [unshare, "-n", "sh", "-c", f'{ip} link set lo up && exec "$@"', "nonet"]
    if subprocess.run(prefix + ["true"], capture_output=True).returncode == 0:
        return prefix
    return []


def _clean_env(tmp):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "CONDA", "JUPYTER", "MLPKIT"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
               HOME=str(tmp / "home"), JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    (tmp / "home").mkdir(exist_ok=True)
    return env


def run(cmd, cwd, env, timeout=300):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return r


@pytest.fixture(scope="module")
def installed_kit(tmp_path_factory):
    html = require_built_book()
    tmp = tmp_path_factory.mktemp("kit")
    kit_zip = build_kit.build_kit(html, out=tmp / "backprop-checked-kit.zip")
    student = tmp / "student"          # a folder far from the repository
    student.mkdir()
    with zipfile.ZipFile(kit_zip) as zf:
        zf.extractall(student)
    env = _clean_env(tmp)
    nonet = _no_net_prefix()
    r = run([sys.executable, "-m", "venv", "bpc"], student, env)
    assert r.returncode == 0, r.stderr
    pip = str(student / "bpc" / "bin" / "pip")
    r = run(nonet + [pip, "install", "--no-index", "--find-links", "backprop-checked-kit/wheels", "backprop-checked"],
            student, env, timeout=600)
    assert r.returncode == 0, f"offline install failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    env.pop("MLPKIT_DATA", None)                 # mlpkit finds the kit's data under sys.prefix by itself
    return student, env, nonet


def test_kit_contents(installed_kit):
    student, env, _ = installed_kit
    kit = student / "backprop-checked-kit"
    assert (kit / "README.md").exists()
    chapters = sorted(p.stem for p in (kit / "chapters").glob("*.ipynb"))
    assert chapters == sorted(p.stem for p in (ROOT / "book").glob("ch*.md"))
    exercises = sorted(p.relative_to(kit / "exercises") for p in (kit / "exercises").glob("ps*/ps*.ipynb"))
    assert exercises == sorted(p.relative_to(ROOT / "exercises") for p in (ROOT / "exercises").glob("ps*/ps*.ipynb"))
    names = {p.name.split("-")[0].lower() for p in (kit / "wheels").glob("*.whl")}
    for needed in ("mlpkit", "numpy", "scipy", "sympy", "matplotlib", "pandas", "scikit_learn", "tqdm",
                   "jupyterlab", "nbgrader", "ipykernel", "backprop_checked"):
        assert needed in names, f"the kit has no {needed} wheel"
    if (ROOT / "packages" / "nbcheck").exists():
        assert "nbcheck" in names


def test_chapter_runs_from_the_kit(installed_kit):
    student, env, nonet = installed_kit
    venv_bin = student / "bpc" / "bin"
    r = run(nonet + [str(venv_bin / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                     "--ExecutePreprocessor.timeout=300", "--output", str(student / "executed.ipynb"),
                     f"backprop-checked-kit/chapters/{CHAPTER}.ipynb"], student, env)
    assert r.returncode == 0, f"{CHAPTER} failed from the kit:\n{r.stderr[-4000:]}"
    r = run([str(venv_bin / "python"), "-c", "import mlpkit, sys; print(mlpkit.__file__)"], student, env)
    assert str(student / "bpc") in r.stdout, f"mlpkit is not the kit's: {r.stdout} {r.stderr}"


def test_validate_reports_test_failures_not_import_errors(installed_kit):
    student, env, nonet = installed_kit
    nbgrader = str(student / "bpc" / "bin" / "nbgrader")
    r = run(nonet + [nbgrader, "validate", "backprop-checked-kit/exercises/ps01/ps01.ipynb"], student, env)
    out = r.stdout + r.stderr
    assert "VALIDATION FAILED" in out or "NotImplementedError" in out, out[-3000:]
    for bad in ("ModuleNotFoundError", "ImportError", "No module named"):
        assert bad not in out, f"validate hit an import error:\n{out[-3000:]}"


def test_jupyterlab_hides_the_exchange_panels_keeps_validate(installed_kit):
    student, env, _ = installed_kit
    r = run([str(student / "bpc" / "bin" / "jupyter"), "labextension", "list"], student, env)
    out = r.stdout + r.stderr
    assert "@jupyter/nbgrader" in out, out
    disabled = out.split("Disabled extensions:")[-1] if "Disabled extensions:" in out else ""
    for plugin in ("assignment-list", "course-list", "formgrader"):
        assert f"@jupyter/nbgrader:{plugin}" in disabled, f"{plugin} is not disabled:\n{out}"
    assert "@jupyter/nbgrader:validate-assignment" not in disabled, out


def test_a_wrong_answer_gets_a_message_that_names_the_problem(installed_kit):
    """A student's unstable sigmoid in the kit's ps03: validate says which function, what went wrong
    and what to do (not a bare RuntimeWarning, not grading internals, nothing cut off)."""
    import json
    student, env, nonet = installed_kit
    path = student / "backprop-checked-kit" / "exercises" / "ps03" / "ps03.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "sigmoid":
            cell["source"] = "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"
    wrong = student / "ps03_wrong.ipynb"
    wrong.write_text(json.dumps(nb))
    r = run(nonet + [str(student / "bpc" / "bin" / "nbgrader"), "validate", str(wrong)], student, env)
    out = r.stdout + r.stderr
    assert "VALIDATION FAILED" in out, out[-3000:]
    error = out.split("The error was:")[1].split("=====")[0]
    assert "in your function `sigmoid`" in error and "stable form of chapter 6" in error, error
    assert "nbcheck/" not in error and "Traceback" not in error, error          # no grading internals
    assert not any(line.rstrip().endswith("...") for line in error.splitlines()), error   # nothing cut
