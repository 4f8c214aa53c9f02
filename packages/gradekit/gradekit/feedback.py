"""HTML feedback a student can read offline: their cells, each test's verdict, math rendered locally.

Built from the autograded notebook, whose outputs autograde already cleaned (cut by bytes,
hidden and solution lines scrubbed, test cells holding only the grader's verdict). Here the hidden
regions of the test cells' *source* are removed too, each test is titled by its one-line
docstring with its points, and the page loads MathJax from ``grading/feedback/_mathjax`` (copied
once from the book's offline MathJax), never from the internet.
"""
import json
import re
import shutil
from importlib import metadata
from pathlib import Path

from .course import is_test_cell

__all__ = ["generate", "visible_source", "MATHJAX"]

MATHJAX = "_mathjax"
_EXTERNAL = re.compile(r"""<(script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//[^>]*>(?:\s*</script>)?""", re.I)


def visible_source(text):
    """A test cell's source without its hidden region (the lines students never see)."""
    out, hidden = [], False
    for line in text.splitlines():
        if line.strip().startswith("### BEGIN HIDDEN TESTS"):
            hidden = True
            out.append("# (hidden tests ran here)")
        elif line.strip().startswith("### END HIDDEN TESTS"):
            hidden = False
        elif not hidden:
            out.append(line)
    return "\n".join(out)


def _mathjax_source():
    for file in metadata.files("sphinx-mathjax-offline") or []:
        if str(file).endswith("static/mathjax/tex-chtml-full.js"):
            return Path(file.locate()).parent
    raise RuntimeError("sphinx-mathjax-offline (the book's offline MathJax) is not installed")


def _install_mathjax(folder):
    target = folder / MATHJAX
    if not (target / "tex-chtml-full.js").exists():
        source = _mathjax_source()
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / "tex-chtml-full.js", target)
        for sub in ("output", "input"):
            shutil.copytree(source / sub, target / sub, dirs_exist_ok=True)
    return target


def _title(cell_source):
    match = re.match(r'\s*[ru]?"""(.+?)(?:"""|\n)', cell_source)
    return match.group(1).strip() if match else None


def _points(course, assignment, student):
    from nbgrader.api import Gradebook, MissingEntry
    points = {}
    with Gradebook(f"sqlite:///{course.grading / 'gradebook.db'}") as gb:
        try:
            for nb in gb.find_submission(assignment, student).notebooks:
                for grade in nb.grades:
                    points[grade.name] = (grade.score, grade.max_score)
        except MissingEntry:
            pass
    return points


def generate(course, assignment, students):
    """Write grading/feedback/<student>/<ps>/<ps>.html for each graded student; return the paths."""
    import nbformat
    from nbconvert import HTMLExporter
    root = course.grading / "feedback"
    _install_mathjax(root)
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    written = []
    for student in students:
        path = course.grading / "autograded" / student / assignment / f"{assignment}.ipynb"
        if not path.exists():
            continue
        nb = nbformat.read(path, as_version=4)
        points = _points(course, assignment, student)
        total = sum(p[0] or 0 for p in points.values()), sum(p[1] or 0 for p in points.values())
        status_file = course.grading / "status" / assignment / f"{student}.json"
        note = json.loads(status_file.read_text()).get("note") if status_file.exists() else None
        cells = [nbformat.v4.new_markdown_cell(f"# Feedback: {assignment}, {student}\n\n"
                                               f"Score: **{total[0]:g} / {total[1]:g}**. Each test below says "
                                               "what it checked and, when it failed, what was wrong."
                                               + (f"\n\n**Note.** {note}" if note else ""))]
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if is_test_cell(cell):
                title = _title(cell.source) or meta.get("grade_id")
                score, max_score = points.get(meta.get("grade_id"), (None, meta.get("points")))
                cells.append(nbformat.v4.new_markdown_cell(
                    f"### Test: {title} — {'?' if score is None else f'{score:g}'} / {max_score:g} points"))
                cell.source = visible_source(cell.source)
            cell.metadata = {}
            cells.append(cell)
        nb.cells = cells
        html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": f"{assignment} feedback"}})
        html = _EXTERNAL.sub("", html)
        html = html.replace("</head>", (
            "<script>window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']]}};</script>\n"
            f'<script defer src="../../{MATHJAX}/tex-chtml-full.js"></script>\n'
            "<style>.jp-OutputArea-output pre { white-space: pre-wrap; word-break: normal; "
            "overflow-wrap: break-word; }</style>\n</head>"), 1)
        target = root / student / assignment / f"{assignment}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        written.append(target)
    return written
