"""Where a course's files are: found from nbgrader_config.py, the same layout nbgrader uses.

::

    solutions/<ps>/<ps>.ipynb    sources with solutions and hidden tests (the instructor's)
    exercises/<ps>/<ps>.ipynb    the public student release (generated)
    grading/                     everything grading produces; git ignores it:
        gradebook.db, submitted/, autograded/, feedback/, release/<student>/, reference/,
        status/<ps>/<student>.json, autograde-<ps>.txt, grades.csv
"""
import dataclasses
import json
import re
from pathlib import Path

__all__ = ["Course", "STUDENT_ID", "find_course", "is_test_cell", "grade_cells", "source_text"]

#: A student id is a safe folder name: letters, digits, ``_ . -``; starts with a letter or digit.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def find_course(start=None):
    """The folder holding nbgrader_config.py: ``start`` or the nearest parent of it."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").exists():
            return Course(folder)
    raise SystemExit(f"no nbgrader_config.py in {here} or its parents: run gradekit from the course folder "
                     "(or pass --course DIR)")


@dataclasses.dataclass(frozen=True)
class Course:
    root: Path

    @property
    def grading(self):
        return self.root / "grading"

    def source(self, assignment):
        """The source notebook of ``assignment`` (solutions and hidden tests), as a dict."""
        path = self.root / "solutions" / assignment / f"{assignment}.ipynb"
        if not path.exists():
            raise SystemExit(f"no assignment {assignment!r}: {path} does not exist "
                             f"(assignments: {', '.join(self.assignments()) or 'none'})")
        return json.loads(path.read_text(encoding="utf-8"))

    def assignments(self):
        folder = self.root / "solutions"
        return sorted(p.name for p in folder.iterdir() if (p / f"{p.name}.ipynb").exists()) if folder.exists() else []

    def submission(self, assignment, student):
        return self.grading / "submitted" / student / assignment / f"{assignment}.ipynb"

    def students(self, assignment):
        folder = self.grading / "submitted"
        if not folder.exists():
            return []
        return sorted(p.name for p in folder.iterdir() if (p / assignment).is_dir() and STUDENT_ID.fullmatch(p.name))


def is_test_cell(cell):
    """Is ``cell`` (a dict or NotebookNode) an autograded test cell: graded code, not a solution?"""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def grade_cells(nb):
    """{grade_id: cell} for the autograded test cells of a notebook."""
    return {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in nb["cells"] if is_test_cell(cell)}


def source_text(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src
