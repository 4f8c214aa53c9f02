"""Student notebooks from the sources: the public release, its book pages, personal releases.

* ``exercises/<ps>/<ps>.ipynb``: ``nbgrader generate_assignment`` strips the solutions and hidden
  tests and records the checksums of the locked and test cells in the gradebook.
* ``book/exercises/<ps>.md``: the notebook as a book page (never executed), with a download link.
* ``grading/release/<student>/<ps>/<ps>.ipynb`` (with ``--students``): the public release with that
  student's own variant numbers (:mod:`gradekit.variants`) — the ones the grader will use.
"""
import json
import subprocess
import sys

from . import variants
from .course import STUDENT_ID

__all__ = ["release", "book_page", "personal_release"]


def book_page(course, name):
    """book/exercises/<name>.md: the student notebook as text (never executed), with a download link."""
    nb = json.loads((course.root / "exercises" / name / f"{name}.ipynb").read_text())
    lines = [f"(exercise-{name})=", f"# {name}", "",
             f"Download the notebook: {{download}}`{name}.ipynb <../../exercises/{name}/{name}.ipynb>`, or every "
             'exercise at once in the <a class="reference external" href="../../kit/backprop-checked-kit.zip" download>'
             "course kit</a>, which installs offline in two commands ({ref}`start`). Below is its content, for "
             "reading; solve it in JupyterLab.", ""]
    for cell in nb["cells"]:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            lines += [src.replace("# ", "## ", 1) if src.startswith("# ") else src, ""]   # a section here
        else:
            lines += ["```python", src, "```", ""]
    return "\n".join(lines)


def release(course, names, book_pages=True):
    """Regenerate the public release (and its book pages) of ``names``; return the released paths."""
    course.grading.mkdir(exist_ok=True)            # the gradebook's folder must exist first
    done = []
    for name in names:
        course.source(name)                        # a clear error for an unknown assignment
        cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force", "--log-level=WARN"]
        result = subprocess.run(cmd, cwd=course.root, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"release of {name} failed:\n{result.stdout}\n{result.stderr}")
        if book_pages and (course.root / "book" / "exercises").is_dir():
            (course.root / "book" / "exercises" / f"{name}.md").write_text(book_page(course, name))
        done.append(course.root / "exercises" / name / f"{name}.ipynb")
    return done


def personal_release(course, name, student):
    """grading/release/<student>/<name>/<name>.ipynb: the public release with the student's numbers."""
    if not STUDENT_ID.fullmatch(student):
        raise SystemExit(f"student id {student!r} is not a safe folder name (letters, digits, _ . -)")
    public = json.loads((course.root / "exercises" / name / f"{name}.ipynb").read_text())
    source = course.source(name)
    rendered = variants.rendered_cells(source, name, student)
    for cell in public["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in rendered:
            cell["source"] = rendered[gid]
        elif cell.get("metadata", {}).get("gradekit", {}).get("student_id"):
            cell["source"] = f'STUDENT_ID = "{student}"   # your personal release: your numbers are already below'
    target = course.grading / "release" / student / name / f"{name}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(public, indent=1, ensure_ascii=False) + "\n")
    return target
