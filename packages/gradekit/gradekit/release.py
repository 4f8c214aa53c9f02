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


def book_page(name, root=ROOT):
    """book/exercises/<name>.md: the student notebook as text (never executed), with a download link."""
    import json
    nb = json.loads((root / "exercises" / name / f"{name}.ipynb").read_text())
    lines = [f"(exercise-{name})=", f"# {name}", "",
             f"Download the notebook: {{download}}`{name}.ipynb <../../exercises/{name}/{name}.ipynb>`. "
             "Below is its content, for reading; solve it in JupyterLab.", ""]
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            # the notebook's own title becomes a section under this page's title
            lines += [src.replace("# ", "## ", 1) if src.startswith("# ") else src, ""]
        else:
            lines += ["```python", src, "```", ""]
    return "\n".join(lines)


def release(names, root=ROOT):
    (root / "grading").mkdir(exist_ok=True)       # the gradebook's folder must exist first
    for name in names:
        cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", "--log-level=WARN"]
        result = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"release of {name} failed:\n{result.stdout}\n{result.stderr}")
        (root / "book" / "exercises" / f"{name}.md").write_text(book_page(name, root))
        print(f"released {name} -> exercises/{name}/ and book/exercises/{name}.md")


if __name__ == "__main__":
    release(sys.argv[1:] or assignments())
