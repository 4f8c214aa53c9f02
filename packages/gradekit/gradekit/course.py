"""Where a course's files are: found from nbgrader_config.py, the same layout nbgrader uses.

::

    solutions/<ps>/<ps>.ipynb    sources with solutions and hidden tests (the instructor's)
    exercises/<ps>/<ps>.ipynb    the public student release (generated)
    grading/                     everything grading produces; git ignores it:
        gradebook.db, submitted/, autograded/, feedback/, release/<student>/, reference/,
        status/<ps>/<student>.json, autograde-<ps>.txt, grades.csv
"""
import ast
import dataclasses
import json
import re
from pathlib import Path

__all__ = ["Course", "STUDENT_ID", "find_course", "is_test_cell", "grade_cells", "source_text", "declared_imports"]

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


def declared_imports(nb):
    """What the exercise may import: the string arguments of ``check.imports(...)`` in a locked cell
    of ``nb`` (the instructor's source; the student's copy is never read for this).

    Raises ``ValueError`` when there is no such call, or it has anything but string literals: an
    assignment without a declaration is an authoring error, not an open sandbox.
    """
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or not cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            continue
        try:
            tree = ast.parse(source_text(cell))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "imports"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "check"):
                if node.keywords or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args):
                    raise ValueError("check.imports(...) takes string literals only, e.g. check.imports(\"numpy\")")
                return tuple(a.value for a in node.args)
    raise ValueError("no locked cell declares what the exercise may import: add check.imports(\"numpy\", ...) "
                     "to its setup cell")
