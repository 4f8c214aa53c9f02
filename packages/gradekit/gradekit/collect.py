"""Collect submissions from a folder: ``<student id>.ipynb`` → ``grading/submitted/<id>/<ps>/<ps>.ipynb``.

Every file is accounted for: collected, skipped (not a notebook) or rejected (unsafe student id,
not valid JSON, not a notebook by the nbformat 4 schema, too large, nested too deep): whatever bytes
a file holds, it gets its own line with the reason, and the next file is collected. Ids are matched against :data:`course.STUDENT_ID`
and used as plain names, never as patterns; a file named ``*.ipynb`` or ``...ipynb`` is
rejected, not expanded. The command exits non-zero when it rejected anything.
"""
import json
import shutil

from .course import STUDENT_ID

__all__ = ["collect", "MAX_BYTES"]

MAX_BYTES = 20 * 1024 ** 2


def _problem(path):
    """Why ``path`` cannot be collected (None: it can)."""
    if path.is_symlink() or not path.is_file():
        return "not a regular file"
    if path.stat().st_size > MAX_BYTES:
        return f"larger than {MAX_BYTES // 2 ** 20} MiB"
    try:
        nb = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        return "not a valid notebook (it is not UTF-8 text)"
    except ValueError as err:
        return f"not a valid notebook (JSON error: {str(getattr(err, 'msg', 'invalid'))[:80]})"
    except RecursionError:
        return "not a valid notebook (nested deeper than any notebook is)"
    if not (isinstance(nb, dict) and isinstance(nb.get("cells"), list) and nb.get("nbformat") == 4):
        return "not a Jupyter notebook (version 4)"
    try:
        import nbformat
        nbformat.validate(nbformat.from_dict(nb), version=4)
    except RecursionError:
        return "not a valid notebook (nested deeper than any notebook is)"
    except Exception as err:                     # noqa: BLE001 (jsonschema's errors are not ValueErrors)
        return f"not a valid Jupyter notebook ({type(err).__name__} against the nbformat 4 schema)"
    return None


def collect(course, assignment, folder):
    """[(file name, student id or None, "collected" | "skipped" | "rejected", detail)] for every file."""
    course.source(assignment)
    report = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        name = path.name
        if not name.lower().endswith(".ipynb"):
            report.append((name, None, "skipped", "not a .ipynb file"))
            continue
        student = name[: -len(".ipynb")]
        if not STUDENT_ID.fullmatch(student):
            report.append((name, None, "rejected", "the file name is not a safe student id (letters, digits, "
                                                   "_ . - ; starting with a letter or digit): rename it"))
            continue
        try:
            problem = _problem(path)
        except OSError as err:
            problem = f"could not be read ({err.strerror})"
        if problem:
            report.append((name, student, "rejected", problem))
            continue
        target = course.grading / "submitted" / student / assignment
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / f"{assignment}.ipynb")
        report.append((name, student, "collected", "" if name.endswith(".ipynb") else "extension normalised"))
    return report
