"""A review hint: student code that reaches for the grader's machinery is shown to the instructor.

This is **not** the defence (the sandbox and the grader's own comparison of values are: see
book/threat_model.md). It reads the source of every cell the student wrote and lists patterns no
honest answer needs — patching modules or IPython, introspection, imports of system modules,
shell escapes and magics — so that the instructor can look. It fails *closed*: a cell that does
not parse as Python even after IPython's own transformations, and any file the notebook left in
the sandbox, are listed too. A finding never changes a score: the student is reported with
status ``review`` and the reasons.
"""
import ast
import re


CALLS = {"setattr", "delattr", "exec", "eval", "compile", "globals", "vars", "locals", "__import__",
         "get_ipython", "breakpoint"}
MODULES = {"builtins", "sys", "gc", "ctypes", "inspect", "importlib", "signal", "os", "subprocess", "socket",
           "hmac", "hashlib", "IPython", "ipykernel", "threading", "multiprocessing", "atexit", "shutil",
           "pathlib", "pickle", "marshal", "types", "runpy", "code", "codeop", "traceback", "faulthandler",
           "resource", "sqlite3", "nbgrader", "urllib", "http", "requests"}
ALWAYS_PROTECTED = {"np", "numpy", "sp", "sympy", "check", "nbcheck", "mlpkit", "math", "__builtins__"}
# Display settings a student may change freely (plt.rcParams[...] = ..., pd.options... = ...):
# names imported from these packages are not protected (unless a locked cell imported them).
DISPLAY_MODULES = {"matplotlib", "pandas", "seaborn"}
ALLOWED_DUNDERS = {"__init__", "__name__", "__doc__", "__main__"}
ALLOWED_MAGICS = {"time", "timeit", "matplotlib"}


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

    ``protected`` holds names imported by the notebook's locked cells (e.g. ``np``, ``check``);
    names the cell imports or aliases from them are added. Fails closed: IPython syntax anywhere
    in a line (``x = !ls``, ``%%bash``) other than the allowed magics, and a cell that does not
    parse even after IPython's transformations, are reported.
    """
    source, found = _strip_magics(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        try:
            from IPython.core.inputtransformer2 import TransformerManager
            transformed = TransformerManager().transform_cell(source)
            tree = ast.parse(transformed)
        except Exception:                        # noqa: BLE001 (anything unparsable is reported)
            return sorted(set(found + [(1, "the cell is not valid Python: review it by hand")]))
        found.append((1, "IPython syntax inside a line (shell escape or magic)"))
    protected = set(protected) | ALWAYS_PROTECTED
    loop_names = {t.id for node in ast.walk(tree) if isinstance(node, (ast.For, ast.comprehension))
                  for t in ast.walk(node.target) if isinstance(t, ast.Name)}
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
                    if (isinstance(root, ast.Name) and (root.id in protected or root.id in loop_names)) \
                            or isinstance(root, ast.Call):
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


def review(nb):
    """Findings for the instructor: ``[(cell label, line, reason), …]`` (empty: nothing to review)."""
    return scan_notebook(nb)
