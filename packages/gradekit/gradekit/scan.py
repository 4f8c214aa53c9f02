"""A static tamper scan for autograding: student code that patches the grader scores 0, visibly.

The in-kernel defences (``mlpkit.grading``'s captured numpy functions and completion marks) stop
the easy attacks, but code that runs in the same kernel as the tests can always reach further:
``np.exp = …`` changes the *expected* values the test cells compute, and the per-notebook
secret can be read from ``grading.passed.__closure__`` to forge completion marks (both measured:
10/10 without the scan, see ``tests/test_grading_adversarial.py``). No honest answer to these
exercises needs to do any of that, so :class:`FlagTampering` reads the source of every cell the
student wrote (solution cells and added cells; locked and test cells are restored by nbgrader
before this runs) and, when it finds one of the patterns below, gives every autograded test cell
an error output (nbgrader scores it 0) that names the cell, the line and the reason, and logs a
``TAMPERING`` warning that ``tools/grade.py`` shows as status ``flagged``.

Flagged: assigning to or deleting an attribute of an imported module or of ``get_ipython()`` (also
through a plain alias ``m = np``; not matplotlib, pandas or seaborn, whose display settings such as
``plt.rcParams[...]`` a student may change); ``setattr``/``delattr``/``exec``/``eval``/``compile``/
``globals``/``vars``/``__import__``; dunder attributes other than ``__init__``, ``__name__``,
``__doc__``; ``get_ipython``; importing ``builtins, sys, gc, ctypes, inspect, importlib, signal,
os, subprocess, socket, hmac, IPython, …``; shell escapes (``!cmd``) and magics other than
``%time``, ``%timeit``, ``%matplotlib``. It is a heuristic (obfuscated code can evade it; see
book/threat_model.md); a false positive costs a manual review, never silent points.
"""
import ast
import re

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

CALLS = {"setattr", "delattr", "exec", "eval", "compile", "globals", "vars", "locals", "__import__",
         "get_ipython", "breakpoint"}
MODULES = {"builtins", "sys", "gc", "ctypes", "inspect", "importlib", "signal", "os", "subprocess", "socket",
           "hmac", "hashlib", "IPython", "ipykernel", "threading", "multiprocessing", "atexit", "shutil",
           "pathlib", "pickle", "marshal", "types", "runpy", "code", "codeop", "traceback", "faulthandler",
           "resource", "sqlite3", "nbgrader", "urllib", "http", "requests"}
ALWAYS_PROTECTED = {"np", "numpy", "sp", "sympy", "grading", "mlpkit", "math", "__builtins__"}
# Display settings a student may change freely (plt.rcParams[...] = ..., pd.options... = ...):
# names imported from these packages are not protected (unless a locked cell imported them).
DISPLAY_MODULES = {"matplotlib", "pandas", "seaborn"}
ALLOWED_DUNDERS = {"__init__", "__name__", "__doc__", "__main__"}
ALLOWED_MAGICS = {"time", "timeit", "matplotlib"}
MARKER = "TAMPERING"


def _root(node):
    """The Name (or get_ipython() call) an attribute/subscript chain starts from."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node


def _strip_magics(source):
    """IPython syntax → (python source with those lines blanked, findings for the forbidden ones)."""
    lines, found = [], []
    for number, line in enumerate(source.splitlines(), start=1):
        text = line.strip()
        magic = re.match(r"%{1,2}(\w+)", text)
        if text.startswith("!") or (text.startswith("%") and (not magic or magic.group(1) not in ALLOWED_MAGICS)):
            found.append((number, f"shell escape or magic `{text[:40]}`"))
        lines.append("" if text.startswith(("!", "%")) else line)
    return "\n".join(lines), found


def scan_source(source, protected=()):
    """Return ``[(line, reason), …]`` for the tampering patterns in one cell's source.

    ``protected`` holds names imported by the notebook's locked cells (e.g. ``np``, ``grading``);
    names the cell imports or aliases from them are added. A cell that does not parse is not
    flagged here (its syntax error already fails its tests).
    """
    source, found = _strip_magics(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    protected = set(protected) | ALWAYS_PROTECTED
    for node in ast.walk(tree):                      # imports: imported names are protected
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = getattr(node, "module", None) or ""
            for alias in node.names:
                top = (module or alias.name).split(".")[0]
                if top in MODULES or alias.name.split(".")[0] in MODULES:
                    found.append((node.lineno, f"imports `{module + '.' if module else ''}{alias.name}`"))
                if top not in DISPLAY_MODULES:
                    protected.add((alias.asname or alias.name).split(".")[0])
    changed = True
    while changed:                                   # plain aliases: m = np, f = np.linalg
        changed = False
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(_root(node.value), ast.Name) \
                    and not isinstance(node.value, ast.Subscript) and _root(node.value).id in protected:
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id not in protected:
                        protected.add(target.id)
                        changed = True
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for t in (target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]):
                root = _root(t)
                if isinstance(t, (ast.Attribute, ast.Subscript)) and not isinstance(t.value, ast.Name) or \
                        isinstance(t, ast.Attribute):
                    if (isinstance(root, ast.Name) and root.id in protected) or isinstance(root, ast.Call):
                        found.append((node.lineno, f"changes `{ast.unparse(t)}`"))
        if isinstance(node, ast.Name) and node.id in CALLS | {"__builtins__"}:
            found.append((node.lineno, f"uses `{node.id}`"))
        elif isinstance(node, ast.Attribute) and node.attr.startswith("__") and node.attr.endswith("__") \
                and node.attr not in ALLOWED_DUNDERS:
            found.append((node.lineno, f"uses `{node.attr}`"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and re.fullmatch(r"__\w+__", node.value) and node.value not in ALLOWED_DUNDERS:
            found.append((node.lineno, f"names `{node.value}`"))
    return sorted(set(found))


def _locked_imports(nb):
    names = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("locked"):
            try:
                tree = ast.parse(_strip_magics(cell.source)[0])
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


def scan_notebook(nb):
    """``[(cell label, line, reason), …]`` over every code cell the student could write."""
    protected, findings = _locked_imports(nb), []
    for index, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or (meta.get("locked") and not meta.get("solution")) \
                or (meta.get("grade") and not meta.get("solution")):
            continue                                 # restored from the gradebook: the instructor's code
        label = meta.get("grade_id") or f"added cell {index}"
        findings += [(label, line, reason) for line, reason in scan_source(cell.source, protected)]
    return findings


class FlagTampering(NbGraderPreprocessor):
    """After Execute: if the student's cells tamper with the grader, every autograded test fails."""

    def preprocess(self, nb, resources):
        findings = scan_notebook(nb)
        if not findings:
            return nb, resources
        summary = "; ".join(f"{label} line {line}: {reason}" for label, line, reason in findings[:5])
        more = f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""
        message = (f"this notebook changes the grader's environment ({summary}{more}); its tests score 0. "
                   "Ask your instructor for a review if this is a mistake.")
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
                cell.outputs.append(NotebookNode(output_type="error", ename="Tampering", evalue=message,
                                                 traceback=[f"Tampering: {message}"]))
        self.log.warning("%s: %s%s", MARKER, summary, more)
        resources["tampering"] = findings
        return nb, resources
