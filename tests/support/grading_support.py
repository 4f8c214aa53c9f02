"""Helpers for the tests that run real `nbgrader autograde` in a temporary course folder."""
import json
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def make_course(tmp_path, assignment, canaries=False):
    """A throw-away course: the repo's nbgrader_config.py, one assignment's source, released."""
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copytree(ROOT / "solutions" / assignment, course / "solutions" / assignment)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    if canaries:
        plant_canaries(course, assignment)
    subprocess.run(["gradekit", "generate", assignment], cwd=course, check=True, capture_output=True)
    return course


def solution_sources(assignment):
    """{grade_id: the solution cell's code}, as a student would write it (no region markers)."""
    nb = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    drop = ("### BEGIN SOLUTION", "### END SOLUTION")
    return {c["metadata"]["nbgrader"]["grade_id"]: "".join(l for l in c["source"] if l.strip() not in drop)
            for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("solution")}


CANARY_HIDDEN, CANARY_SOLUTION = "CANARY-HIDDEN-5d1e0b", "CANARY-SOLUTION-9a4c27"


def plant_canaries(course, assignment):
    """Put a marker line in every hidden-test region and every solution region of the course's source:
    no feedback, release or stored notebook may ever contain either marker."""
    path = course / "solutions" / assignment / f"{assignment}.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        lines = []
        for line in cell["source"]:
            lines.append(line)
            if line.strip() == "### BEGIN HIDDEN TESTS":
                lines.append(f"_canary = {CANARY_HIDDEN!r}\n")
            elif line.strip() == "### BEGIN SOLUTION":
                lines.append(line[: len(line) - len(line.lstrip())] + f"_canary = {CANARY_SOLUTION!r}\n")
        cell["source"] = lines
    path.write_text(json.dumps(nb))


def student_notebook(course, assignment, fill=(), replace=None):
    """The released notebook with the solution cells in `fill` answered ("all" for every one)
    and the cells in `replace` given a new source."""
    nb = json.loads((course / "exercises" / assignment / f"{assignment}.ipynb").read_text())
    answers = solution_sources(assignment)
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if cell["metadata"].get("nbgrader", {}).get("solution") and (fill == "all" or gid in fill):
            cell["source"] = answers[gid]
        if replace and gid in replace:
            cell["source"] = replace[gid]
    return nb


def submit(course, assignment, student, notebook):
    """Put a submission in place: a notebook dict, or raw text (for broken files)."""
    folder = course / "grading" / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    text = notebook if isinstance(notebook, str) else json.dumps(notebook)
    (folder / f"{assignment}.ipynb").write_text(text)


def autograde(course, assignment, students=()):
    """Run the instructor command; return {student: (status, score)} and the printed summary."""
    result = subprocess.run(["gradekit", "autograde", assignment, *students],
                            cwd=course, capture_output=True, text=True, timeout=1800)
    scores = {}
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook("sqlite:///" + str(course / "grading" / "gradebook.db")) as gb:
        for line in result.stdout.split("\n\n")[0].splitlines()[1:]:
            parts = line.split()
            if len(parts) < 2:
                continue
            student, status = parts[0], parts[1]
            try:
                score = gb.find_submission(assignment, student).score if status in ("graded", "review") else None
            except MissingEntry:
                score = None
            scores[student] = (status, score)
    return scores, result.stdout


def elements(page):
    """[(tag, {attribute: value})] of every element of an HTML page."""
    from html.parser import HTMLParser
    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, {k: v or "" for k, v in attrs}))
    Parser().feed(page)
    return found
