"""mlpkit stands alone: it installs, imports and trains without nbgrader, SymPy or any grading code."""
import subprocess
import sys
import tomllib

import pytest

from grading_support import ROOT

pytestmark = [pytest.mark.ch01]

BLOCK = ("sympy", "nbgrader", "nbcheck", "gradekit", "IPython", "jupyter_client", "nbformat", "matplotlib",
         "sklearn", "pandas", "torch")
SCRIPT = f"""
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCK!r}:
            raise ImportError(f"{{name}} is not installed here")
sys.meta_path.insert(0, Block())
import numpy as np
import mlpkit as mk
for name in mk.__all__ + ["activations", "losses", "init", "layers", "network", "training", "optimizers",
                          "regularizers", "gradcheck", "persistence", "conv", "metrics", "dropout", "idx"]:
    getattr(mk, name)
X, y = mk.data.xor()
rng = np.random.default_rng(0)
model = mk.network.Sequential([mk.layers.Dense(2, 5, "sigmoid", rng=rng), mk.layers.Dense(5, 1, "sigmoid", rng=rng)])
model.fit(X, y, optimizer=mk.optimizers.SGD(1.0), epochs=3000, verbose=0)
assert (model.predict_classes(X).ravel() == y.ravel()).all(), model.predict(X)
print("trained", sorted(m for m in sys.modules if m.split(".")[0] in {BLOCK!r}))
"""


def test_mlpkit_imports_and_trains_with_the_grading_and_book_stack_absent():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd="/")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "trained []"


def test_mlpkit_declares_only_what_it_needs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] == "mlpkit"
    needs = {d.split("=")[0].split(">")[0].split("<")[0].strip() for d in project["dependencies"]}
    assert needs == {"numpy", "scipy", "tqdm"}, needs
    import json
    declared = json.dumps(project).lower()                 # extras included
    assert "nbgrader" not in declared and "sympy" not in declared and "nbcheck" not in declared
