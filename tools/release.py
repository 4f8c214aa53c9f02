"""Regenerate exercises/ (the student notebooks) from solutions/ with nbgrader.

Usage: python tools/release.py [psNN ...]      (default: every assignment in solutions/)

Runs `nbgrader generate_assignment --force` from the repository root, which strips the
solutions and hidden tests, records checksums of the locked and test cells in the gradebook
(grading/gradebook.db, ignored by git) and writes exercises/<ps>/<ps>.ipynb without outputs.
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def assignments():
    return sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir() and list(p.glob("*.ipynb")))


def release(names, root=ROOT):
    (root / "grading").mkdir(exist_ok=True)       # the gradebook's folder must exist first
    for name in names:
        cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", "--log-level=WARN"]
        result = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"release of {name} failed:\n{result.stdout}\n{result.stderr}")
        print(f"released {name} -> exercises/{name}/")


if __name__ == "__main__":
    release(sys.argv[1:] or assignments())
